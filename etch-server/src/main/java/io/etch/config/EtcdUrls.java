package io.etch.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * URL rules of etcd's types.NewURLs and embed.Config.Validate. URLs are kept as written (only the scheme is
 * lower-cased, as Go's url.URL.String() does); "localhost" stays "localhost".
 */
final class EtcdUrls {
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.\\-]*");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private EtcdUrls() {}

    /** host and port of a "host:port" string, brackets of an IPv6 literal removed. */
    record HostPort(String host, String port) {}

    /** types.NewURLs over a comma-separated list: each URL trimmed and checked, then sorted as strings. */
    static List<String> parseList(String commaSeparated) {
        List<String> out = new ArrayList<>();
        for (String part : commaSeparated.split(",", -1)) {
            out.add(parse(part));
        }
        out.sort(null);
        return List.copyOf(out);
    }

    /** One URL, checked like types.NewURLs: scheme http/https/unix/unixs, "host:port", no path. */
    static String parse(String raw) {
        String in = raw.strip();
        for (int i = 0; i < in.length(); i++) {
            char c = in.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(
                        "parse " + GoValues.quote(in) + ": net/url: invalid control character in URL");
            }
        }
        String scheme = "";
        String rest = in;
        int colon = in.indexOf(':');
        if (colon == 0) {
            throw new IllegalArgumentException("parse " + GoValues.quote(in) + ": missing protocol scheme");
        }
        if (colon > 0 && SCHEME.matcher(in.substring(0, colon)).matches()) {
            scheme = in.substring(0, colon).toLowerCase(Locale.ROOT);
            rest = in.substring(colon + 1);
        } else if (colon > 0) {
            // no scheme, so Go reads it as a relative path, whose first segment may not hold a colon
            int slash = in.indexOf('/');
            if (slash < 0 || colon < slash) {
                throw new IllegalArgumentException(
                        "parse " + GoValues.quote(in) + ": first path segment in URL cannot contain colon");
            }
        }
        String host = "";
        String path = rest;
        if (!scheme.isEmpty() && rest.startsWith("//")) {
            String authority = rest.substring(2);
            int end = indexOfAny(authority, "/?#");
            path = end < 0 ? "" : authority.substring(end);
            authority = end < 0 ? authority : authority.substring(0, end);
            host = authority.substring(authority.lastIndexOf('@') + 1);
            checkHostSyntax(in, host);
        }
        int pathEnd = indexOfAny(path, "?#");
        if (pathEnd >= 0) {
            path = path.substring(0, pathEnd);
        }
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("unix") && !scheme.equals("unixs")) {
            throw new IllegalArgumentException("URL scheme must be http, https, unix, or unixs: " + in);
        }
        try {
            splitHostPort(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + in);
        }
        if (!path.isEmpty()) {
            throw new IllegalArgumentException("URL must not contain a path: " + in);
        }
        return scheme + in.substring(colon);
    }

    /** Go's url.Parse refuses a non-numeric port and characters that cannot appear in a host. */
    private static void checkHostSyntax(String in, String host) {
        String port = null;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("parse " + GoValues.quote(in) + ": missing ']' in host");
            }
            String after = host.substring(close + 1);
            if (!after.isEmpty()) {
                if (after.charAt(0) != ':') {
                    throw new IllegalArgumentException(
                            "parse " + GoValues.quote(in) + ": invalid port " + GoValues.quote(after) + " after host");
                }
                port = after.substring(1);
            }
        } else {
            int c = host.lastIndexOf(':');
            if (c >= 0) {
                port = host.substring(c + 1);
                if (!port.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                    throw new IllegalArgumentException("parse " + GoValues.quote(in) + ": invalid port "
                            + GoValues.quote(host.substring(c)) + " after host");
                }
            }
            for (int i = 0; i < host.length(); i++) {
                char ch = host.charAt(i);
                boolean ok = Character.isLetterOrDigit(ch) || "-._~!$&'()*+,;=:%".indexOf(ch) >= 0;
                if (!ok) {
                    throw new IllegalArgumentException("parse " + GoValues.quote(in) + ": invalid character "
                            + GoValues.quote(String.valueOf(ch)) + " in host name");
                }
            }
        }
        if (port != null && !port.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException(
                    "parse " + GoValues.quote(in) + ": invalid port " + GoValues.quote(":" + port) + " after host");
        }
    }

    /** net.SplitHostPort with Go's error wording. */
    static HostPort splitHostPort(String hostport) {
        String host;
        String port;
        if (hostport.startsWith("[")) {
            int close = hostport.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("address " + hostport + ": missing ']' in address");
            }
            if (close + 1 == hostport.length()) {
                throw new IllegalArgumentException("address " + hostport + ": missing port in address");
            }
            if (hostport.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("address " + hostport + ": too many colons in address");
            }
            host = hostport.substring(1, close);
            port = hostport.substring(close + 2);
        } else {
            int c = hostport.lastIndexOf(':');
            if (c < 0) {
                throw new IllegalArgumentException("address " + hostport + ": missing port in address");
            }
            host = hostport.substring(0, c);
            port = hostport.substring(c + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("address " + hostport + ": too many colons in address");
            }
        }
        if (port.indexOf('[') >= 0 || port.indexOf(']') >= 0) {
            throw new IllegalArgumentException("address " + hostport + ": unexpected ']' in address");
        }
        return new HostPort(host, port);
    }

    /** The host:port part of a URL that {@link #parse} accepted. */
    static String authority(String url) {
        String rest = url.substring(url.indexOf("://") + 3);
        return rest.substring(rest.lastIndexOf('@') + 1);
    }

    static String scheme(String url) {
        return url.substring(0, url.indexOf(':'));
    }

    /** embed.checkBindURLs: a listener needs an IP literal or "localhost", not a name to resolve. */
    static void checkBindUrls(Collection<String> urls) throws ConfigException {
        for (String url : urls) {
            String scheme = scheme(url);
            if (scheme.equals("unix") || scheme.equals("unixs")) {
                continue;
            }
            String host = splitHostPortUnchecked(url).host();
            if (host.equals("localhost")) {
                continue;
            }
            if (!isIpLiteral(host)) {
                throw new ConfigException("expected IP in URL for binding (" + url + ")");
            }
        }
    }

    /** embed.checkHostURLs: an advertised URL needs a non-empty host. Returns the reason, or null. */
    static String hostProblem(Collection<String> urls) {
        for (String url : urls) {
            if (splitHostPortUnchecked(url).host().isEmpty()) {
                return "unexpected empty host (" + url + ")";
            }
        }
        return null;
    }

    private static HostPort splitHostPortUnchecked(String url) {
        return splitHostPort(authority(url));
    }

    /** net.ParseIP: a dotted IPv4 address without leading zeros, or an IPv6 address without zone. */
    static boolean isIpLiteral(String host) {
        if (IPV4.matcher(host).matches()) {
            return true;
        }
        if (host.indexOf(':') < 0 || host.indexOf('%') >= 0) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                return false;
            }
        }
        try {
            // With a colon in it, Java parses the text as an IPv6 literal and never asks DNS.
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The URL with its host replaced by the address it resolves to, as etcd's netutil does before it gives
     * up on two URL lists that differ as text. Unix-socket URLs, IP literals and "localhost" are left alone.
     */
    static String resolve(String url) throws UnknownHostException {
        String scheme = scheme(url);
        if (scheme.equals("unix") || scheme.equals("unixs")) {
            return url;
        }
        HostPort hp = splitHostPortUnchecked(url);
        if (hp.host().equals("localhost") || isIpLiteral(hp.host())) {
            return url; // etcd leaves "localhost" as it is here too
        }
        // Go's resolver prefers an IPv4 address, so "localhost" becomes 127.0.0.1 rather than ::1.
        InetAddress[] all = InetAddress.getAllByName(hp.host());
        InetAddress address = all[0];
        for (InetAddress a : all) {
            if (a instanceof Inet4Address) {
                address = a;
                break;
            }
        }
        String ip = address.getHostAddress();
        String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        return scheme + "://" + host + ":" + hp.port();
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
