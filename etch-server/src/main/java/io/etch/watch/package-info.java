/**
 * etcd's watch, fed by apply: a {@link io.etch.watch.WatchHub} receives every committed revision
 * once, in order, and hands each synced watcher its events; watchers that start in the past or
 * whose client falls behind are unsynced and catch up from stored history, off the apply thread.
 * A {@link io.etch.watch.WatchStream} is one client stream with many watchers and a bounded outbox.
 */
package io.etch.watch;
