package io.etch.ctl;

import com.google.protobuf.ByteString;
import io.etch.api.authpb.Permission;
import io.etch.api.authpb.UserAddOptions;
import io.etch.api.etcdserverpb.*;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Locale;

/** auth, user and role. */
final class AuthCommands {
    private AuthCommands() {
    }

    private interface Call<T> {
        T on(AuthGrpc.AuthBlockingStub stub);
    }

    private static <T> T auth(Invocation inv, Call<T> call) {
        Client c = inv.ctl().client(inv);
        return c.call(ch -> call.on(c.auth(ch)));
    }

    private static void noArgs(Invocation inv, String msg) {
        if (!inv.args().isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, msg);
        }
    }

    private static void oneArg(Invocation inv, String msg) {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, msg);
        }
    }

    static void register(Command root) {
        Command authCmd = new Command("auth <enable or disable>", "Enable or disable authentication", null, null);
        authCmd.add(new Command("enable", "Enables authentication", null, inv -> {
            noArgs(inv, "auth enable command does not accept any arguments");
            inv.ctl().display(inv);
            while (true) {
                try {
                    auth(inv, a -> a.authEnable(AuthEnableRequest.getDefaultInstance()));
                    break;
                } catch (StatusRuntimeException e) {
                    if (!Errors.is(e, "etcdserver: root user does not have root role")) {
                        throw e;
                    }
                    auth(inv, a -> a.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build()));
                    auth(inv, a -> a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build()));
                }
            }
            inv.ctl().out.println("Authentication Enabled");
        }));
        authCmd.add(new Command("disable", "Disables authentication", null, inv -> {
            noArgs(inv, "auth disable command does not accept any arguments");
            inv.ctl().display(inv);
            auth(inv, a -> a.authDisable(AuthDisableRequest.getDefaultInstance()));
            inv.ctl().out.println("Authentication Disabled");
        }));
        authCmd.add(new Command("status", "Returns authentication status", null, inv -> {
            noArgs(inv, "auth status command does not accept any arguments");
            Display d = inv.ctl().display(inv);
            d.authStatus(auth(inv, a -> a.authStatus(AuthStatusRequest.getDefaultInstance())));
        }));
        root.add(authCmd);

        Command user = new Command("user <subcommand>", "User related commands", null, null);
        Command add = new Command("add <user name or user:password> [options]", "Adds a new user", null, AuthCommands::userAdd);
        add.local.bool("interactive", "", true, "Read password from stdin instead of interactive terminal");
        add.local.string("new-user-password", "", "", "Supply password from the command line flag");
        add.local.bool("no-password", "", false, "Create a user without password (CN based auth only)");
        user.add(add);
        user.add(new Command("delete <user name>", "Deletes a user", null, inv -> {
            oneArg(inv, "user delete command requires user name as its argument");
            Display d = inv.ctl().display(inv);
            String name = inv.args().get(0);
            d.userDelete(name, auth(inv, a -> a.userDelete(AuthUserDeleteRequest.newBuilder().setName(name).build())));
        }));
        Command get = new Command("get <user name> [options]", "Gets detailed information of a user", null, inv -> {
            oneArg(inv, "user get command requires user name as its argument");
            Display d = inv.ctl().display(inv);
            String name = inv.args().get(0);
            AuthUserGetResponse resp = auth(inv, a -> a.userGet(AuthUserGetRequest.newBuilder().setName(name).build()));
            if (inv.bool("detail")) {
                inv.ctl().out.printf("User: %s%n", name);
                for (String role : resp.getRolesList()) {
                    inv.ctl().out.println();
                    d.roleGet(role, auth(inv, a -> a.roleGet(AuthRoleGetRequest.newBuilder().setRole(role).build())));
                }
            } else {
                d.userGet(name, resp);
            }
        });
        get.local.bool("detail", "", false, "Show permissions of roles granted to the user");
        user.add(get);
        user.add(new Command("list", "Lists all users", null, inv -> {
            noArgs(inv, "user list command requires no arguments");
            Display d = inv.ctl().display(inv);
            d.userList(auth(inv, a -> a.userList(AuthUserListRequest.getDefaultInstance())));
        }));
        Command passwd = new Command("passwd <user name> [options]", "Changes password of user", null, inv -> {
            oneArg(inv, "user passwd command requires user name as its argument");
            String name = inv.args().get(0);
            String pw = inv.bool("interactive") ? askTwice(inv.ctl(), name) : Passwords.scanWord(inv.ctl());
            Display d = inv.ctl().display(inv);
            d.userChangePassword(auth(inv, a -> a.userChangePassword(
                AuthUserChangePasswordRequest.newBuilder().setName(name).setPassword(pw).build())));
        });
        passwd.local.bool("interactive", "", true, "If true, read password from stdin instead of interactive terminal");
        user.add(passwd);
        user.add(new Command("grant-role <user name> <role name>", "Grants a role to a user", null, inv -> {
            if (inv.args().size() != 2) {
                throw Exit.error(Exit.BAD_ARGS, "user grant command requires user name and role name as its argument");
            }
            Display d = inv.ctl().display(inv);
            String u = inv.args().get(0);
            String r = inv.args().get(1);
            d.userGrantRole(u, r, auth(inv, a -> a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(u).setRole(r).build())));
        }));
        user.add(new Command("revoke-role <user name> <role name>", "Revokes a role from a user", null, inv -> {
            if (inv.args().size() != 2) {
                throw Exit.error(Exit.BAD_ARGS, "user revoke-role requires user name and role name as its argument");
            }
            Display d = inv.ctl().display(inv);
            String u = inv.args().get(0);
            String r = inv.args().get(1);
            d.userRevokeRole(u, r, auth(inv, a -> a.userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName(u).setRole(r).build())));
        }));
        root.add(user);

        Command role = new Command("role <subcommand>", "Role related commands", null, null);
        role.add(new Command("add <role name>", "Adds a new role", null, inv -> {
            oneArg(inv, "role add command requires role name as its argument");
            Display d = inv.ctl().display(inv);
            String name = inv.args().get(0);
            d.roleAdd(name, auth(inv, a -> a.roleAdd(AuthRoleAddRequest.newBuilder().setName(name).build())));
        }));
        role.add(new Command("delete <role name>", "Deletes a role", null, inv -> {
            oneArg(inv, "role delete command requires role name as its argument");
            Display d = inv.ctl().display(inv);
            String name = inv.args().get(0);
            d.roleDelete(name, auth(inv, a -> a.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole(name).build())));
        }));
        role.add(new Command("get <role name>", "Gets detailed information of a role", null, inv -> {
            oneArg(inv, "role get command requires role name as its argument");
            Display d = inv.ctl().display(inv);
            String name = inv.args().get(0);
            d.roleGet(name, auth(inv, a -> a.roleGet(AuthRoleGetRequest.newBuilder().setRole(name).build())));
        }));
        role.add(new Command("list", "Lists all roles", null, inv -> {
            noArgs(inv, "role list command requires no arguments");
            Display d = inv.ctl().display(inv);
            d.roleList(auth(inv, a -> a.roleList(AuthRoleListRequest.getDefaultInstance())));
        }));
        Command grant = new Command("grant-permission [options] <role name> <permission type> <key> [endkey]",
            "Grants a key to a role", null, AuthCommands::grantPermission);
        grant.local.bool("prefix", "", false, "grant a prefix permission");
        grant.local.bool("from-key", "", false,
            "grant a permission of keys that are greater than or equal to the given key using byte compare");
        role.add(grant);
        Command revoke = new Command("revoke-permission <role name> <key> [endkey]", "Revokes a key from a role", null,
            AuthCommands::revokePermission);
        revoke.local.bool("prefix", "", false, "revoke a prefix permission");
        revoke.local.bool("from-key", "", false,
            "revoke a permission of keys that are greater than or equal to the given key using byte compare");
        role.add(revoke);
        root.add(role);
    }

    private static String askTwice(EtchCtl ctl, String name) {
        String p1 = Passwords.ask(ctl, "Password of " + name + ": ");
        if (p1.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "empty password");
        }
        String p2 = Passwords.ask(ctl, "Type password of " + name + " again for confirmation: ");
        if (!p1.equals(p2)) {
            throw Exit.error(Exit.BAD_ARGS, "given passwords are different");
        }
        return p1;
    }

    private static void userAdd(Invocation inv) {
        oneArg(inv, "user add command requires user name as its argument");
        String user;
        String password = "";
        boolean noPassword = inv.bool("no-password");
        String arg = inv.args().get(0);
        if (!noPassword) {
            String fromFlag = inv.string("new-user-password");
            if (!fromFlag.isEmpty()) {
                user = arg;
                password = fromFlag;
            } else {
                int colon = arg.indexOf(':');
                if (colon < 0) {
                    user = arg;
                    password = inv.bool("interactive") ? askTwice(inv.ctl(), arg) : Passwords.scanWord(inv.ctl());
                } else {
                    user = arg.substring(0, colon);
                    password = arg.substring(colon + 1);
                    if (user.isEmpty()) {
                        throw Exit.error(Exit.BAD_ARGS, "empty user name is not allowed");
                    }
                }
            }
        } else {
            user = arg;
        }
        Display d = inv.ctl().display(inv);
        String u = user;
        String p = password;
        d.userAdd(user, auth(inv, a -> a.userAdd(AuthUserAddRequest.newBuilder().setName(u).setPassword(p)
            .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword)).build())));
    }

    private static void grantPermission(Invocation inv) {
        List<String> args = inv.args();
        if (args.size() < 3) {
            throw Exit.error(Exit.BAD_ARGS, "role grant command requires role name, permission type, and key [endkey] as its argument");
        }
        Permission.Type type = switch (args.get(1).toUpperCase(Locale.ROOT)) {
            case "READ" -> Permission.Type.READ;
            case "WRITE" -> Permission.Type.WRITE;
            case "READWRITE" -> Permission.Type.READWRITE;
            default -> throw Exit.error(Exit.BAD_ARGS, "invalid permission type: " + args.get(1));
        };
        String[] range = permRange(inv, args.subList(2, args.size()));
        Display d = inv.ctl().display(inv);
        String role = args.get(0);
        d.roleGrantPermission(role, auth(inv, a -> a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(role)
            .setPerm(Permission.newBuilder().setKey(bytes(range[0])).setRangeEnd(bytes(range[1])).setPermType(type)).build())));
    }

    private static void revokePermission(Invocation inv) {
        List<String> args = inv.args();
        if (args.size() < 2) {
            throw Exit.error(Exit.BAD_ARGS, "role revoke-permission command requires role name and key [endkey] as its argument");
        }
        String[] range = permRange(inv, args.subList(1, args.size()));
        Display d = inv.ctl().display(inv);
        String role = args.get(0);
        d.roleRevokePermission(role, args.get(1), range[1], auth(inv, a -> a.roleRevokePermission(
            AuthRoleRevokePermissionRequest.newBuilder().setRole(role).setKey(bytes(range[0])).setRangeEnd(bytes(range[1])).build())));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static String[] permRange(Invocation inv, List<String> args) {
        boolean prefix = inv.bool("prefix");
        boolean fromKey = inv.bool("from-key");
        String key = args.get(0);
        if (key.isEmpty()) {
            if (prefix && fromKey) {
                throw Exit.error(Exit.BAD_ARGS, "--from-key and --prefix flags are mutually exclusive");
            }
            return new String[] {"\0", prefix || fromKey ? "\0" : ""};
        }
        if (args.size() == 1) {
            if (prefix) {
                if (fromKey) {
                    throw Exit.error(Exit.BAD_ARGS, "--from-key and --prefix flags are mutually exclusive");
                }
                return new String[] {key, Keys.prefixEnd(bytes(key)).toStringUtf8()};
            }
            return new String[] {key, fromKey ? "\0" : ""};
        }
        if (prefix) {
            throw Exit.error(Exit.BAD_ARGS, "unexpected endkey argument with --prefix flag");
        }
        if (fromKey) {
            throw Exit.error(Exit.BAD_ARGS, "unexpected endkey argument with --from-key flag");
        }
        return new String[] {key, args.get(1)};
    }
}
