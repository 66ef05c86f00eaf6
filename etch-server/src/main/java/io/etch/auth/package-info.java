/**
 * etcd's role-based access control: users, roles and key-range permissions ({@link io.etch.auth.AuthStore},
 * changed only by apply), the checks requests pass, password hashing, and the tokens a client gets
 * from Authenticate (simple or JWT).
 */
package io.etch.auth;
