package io.etch.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed {@code --initial-cluster}: member name to its peer URLs, in the order names first appear. A name
 * may be listed several times, once per URL; its URLs are checked and sorted as etcd's types.NewURLsMap does,
 * which is also the order member IDs are computed from.
 */
public record InitialCluster(Map<String, List<String>> members) {

    public InitialCluster {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        members.forEach((name, urls) -> copy.put(name, List.copyOf(urls)));
        members = Collections.unmodifiableMap(copy);
    }

    /** An initial cluster with no members, as when bootstrapping through discovery. */
    public static InitialCluster empty() {
        return new InitialCluster(Map.of());
    }

    /**
     * Parses "a=http://127.0.0.1:2380,b=http://127.0.0.1:22380". Empty entries are skipped; an entry
     * without "=" names a member with an empty URL, which then fails the URL check, as in etcd.
     */
    public static InitialCluster parse(String spec) throws ConfigException {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        for (String entry : spec.split(",", -1)) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String name = eq < 0 ? entry : entry.substring(0, eq);
            String url = eq < 0 ? "" : entry.substring(eq + 1);
            raw.computeIfAbsent(name, n -> new ArrayList<>()).add(url);
        }
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            try {
                parsed.put(e.getKey(), EtcdUrls.parseList(String.join(",", e.getValue())));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(ex.getMessage());
            }
        }
        return new InitialCluster(parsed);
    }

    /** Builds the single-member cluster etcd derives from a name and its advertised peer URLs. */
    public static InitialCluster ofMember(String name, List<String> peerUrls) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null);
        return new InitialCluster(Map.of(name, sorted));
    }

    public Set<String> names() {
        return members.keySet();
    }

    public boolean contains(String name) {
        return members.containsKey(name);
    }

    /** The member's peer URLs, sorted; empty if the name is not in the cluster. */
    public List<String> peerUrls(String name) {
        return members.getOrDefault(name, List.of());
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    public int size() {
        return members.size();
    }

    /** A peer URL listed more than once across all members, which etcd refuses at bootstrap. */
    public Optional<String> duplicateUrl() {
        Set<String> seen = new HashSet<>();
        for (List<String> urls : members.values()) {
            for (String url : urls) {
                if (!seen.add(url)) {
                    return Optional.of(url);
                }
            }
        }
        return Optional.empty();
    }

    /** etcd's URLsMap.String(): every "name=url" pair, sorted, comma-separated. */
    @Override
    public String toString() {
        List<String> pairs = new ArrayList<>();
        members.forEach((name, urls) -> urls.forEach(url -> pairs.add(name + "=" + url)));
        pairs.sort(null);
        return String.join(",", pairs);
    }
}
