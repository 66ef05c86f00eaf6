/** The cluster's members as apply knows them: what each member published about itself. */
package io.etch.membership;
