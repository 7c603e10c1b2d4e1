/*
 * cli-run.c - `iommusim run [--timeout S] [--traceback] FILE.lua [ARGS]`:
 * run a Lua scenario with the iommusim module preloaded.
 *
 * As lua5.4 does, the script gets its arguments in the global `arg`
 * (arg[0] the script, arg[1..] its arguments, arg[-1] "run", arg[-2] the
 * program) and as `...`. Modules in the script's directory can be
 * required (it comes first in package.path). An error prints "file:line: message" on stderr
 * (and a traceback with --traceback) and exits 1.
 */
#ifndef IOMMUSIM_LUA_DIR
#define IOMMUSIM_LUA_DIR "scripts/lua"
#endif
#include <glib.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include "scripts/cli.h"
#include "scripts/lua-iommusim.h"

static gint64 run_deadline;      /* monotonic microseconds, 0: none */
static const char *run_timeout_text;
static gboolean run_traceback;

/* Count hook: stop the script once the deadline has passed. Once it fired
 * it fires at every instruction, so a pcall cannot swallow it for long. */
static void run_timeout_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (g_get_monotonic_time() >= run_deadline) {
        lua_sethook(L, run_timeout_hook, LUA_MASKCOUNT, 1);
        luaL_where(L, 0); /* inside a hook, level 0 is the running function */
        lua_pushfstring(L, "timeout: script ran longer than %s s",
                        run_timeout_text);
        lua_concat(L, 2);
        lua_error(L);
    }
}

static int run_msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            msg = lua_tostring(L, -1);
        } else {
            msg = lua_pushfstring(L, "(error object is a %s value)",
                                  luaL_typename(L, 1));
        }
    }
    if (run_traceback) {
        luaL_traceback(L, L, msg, 1);
    } else {
        lua_pushstring(L, msg);
    }
    return 1;
}

/* Runs in protected mode: load the libraries and the script, run it. */
static int run_main(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    const char *file = argv[1];
    int nargs = argc - 2;

    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_iommusim);
    lua_setfield(L, -2, "iommusim");
    lua_pop(L, 1);

    /* our Lua modules (require "iommusim.vtd") from the source tree */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s", IOMMUSIM_LUA_DIR, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);

    /* modules next to the script come first: require "helpers" */
    if (strcmp(file, "-") != 0) {
        g_autofree char *dir = g_path_get_dirname(file);
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "path");
        lua_pushfstring(L, "%s/?.lua;%s", dir, lua_tostring(L, -1));
        lua_setfield(L, -3, "path");
        lua_pop(L, 2);
    }

    /* arg: [-2] program, [-1] "run", [0] script, [1..] arguments */
    lua_createtable(L, nargs, 3);
    lua_pushstring(L, cli_prog);
    lua_rawseti(L, -2, -2);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");

    if (luaL_loadfile(L, strcmp(file, "-") == 0 ? NULL : file) != LUA_OK) {
        return lua_error(L);
    }
    luaL_checkstack(L, nargs, "too many script arguments");
    for (int i = 2; i < argc; i++) {
        lua_pushstring(L, argv[i]);
    }
    if (run_deadline) {
        lua_sethook(L, run_timeout_hook, LUA_MASKCOUNT, 1000);
    }
    lua_call(L, nargs, 0);
    return 0;
}

int cli_run(int argc, char **argv)
{
    g_autofree char *timeout = NULL;
    GOptionEntry entries[] = {
        { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout,
          "Stop the script after SECONDS (a positive number)", "SECONDS" },
        { "traceback", 0, 0, G_OPTION_ARG_NONE, &run_traceback,
          "Print a stack traceback with an error", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("FILE.lua [ARGS...] - run a Lua scenario");
    g_autoptr(GError) err = NULL;
    lua_State *L;
    int status;

    g_set_prgname("iommusim run");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_strict_posix(ctx, TRUE);
    g_option_context_set_summary(ctx,
        "Runs FILE.lua with `require \"iommusim\"` available. Options go\n"
        "before FILE; everything after it is passed to the script in `arg`.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        return cli_usage_error("run", "%s", err->message);
    }
    if (argc >= 2 && strcmp(argv[1], "--") == 0) {
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    if (argc < 2) {
        return cli_usage_error("run", "missing FILE.lua");
    }
    if (timeout) {
        char *end;
        double s = g_ascii_strtod(timeout, &end);

        if (end == timeout || *end || !(s > 0) || s > 1e9) {
            return cli_usage_error("run", "--timeout: '%s' is not a positive "
                                   "number of seconds", timeout);
        }
        run_timeout_text = timeout;
        run_deadline = g_get_monotonic_time() + (gint64)(s * G_USEC_PER_SEC);
        if (run_deadline == 0) {
            run_deadline = 1;
        }
    }

    L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s run: cannot create a Lua state\n", cli_prog);
        return CLI_EXIT_FAILURE;
    }
    lua_pushcfunction(L, run_msghandler);
    lua_pushcfunction(L, run_main);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    status = lua_pcall(L, 2, 0, 1);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
    }
    lua_sethook(L, NULL, 0, 0);
    lua_close(L);
    fflush(stdout);
    return status == LUA_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
