/** The cluster's alarms (etcd's NOSPACE and CORRUPT): raised and cleared through Raft, kept with the data. */
package io.etch.alarm;
