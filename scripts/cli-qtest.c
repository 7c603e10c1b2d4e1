/*
 * cli-qtest.c - `iommusim qtest`: a machine described in Lua
 * (scripts/machines/NAME.lua) served over QEMU's qtest protocol, with
 * QEMU's command line:
 *
 *   iommusim qtest [-machine q35[,accel=A]] [-m [size=]SIZE]
 *                  [-device DRIVER[,PROP=VALUE]...]... [-bios FILE]
 *                  [-accel tcg|kvm|qtest] [-icount [shift=]N[,sleep=on|off]]
 *                  [-qtest stdio|unix:PATH[,server=on[,wait=off]]]
 *                  [-qtest-log FILE|none]
 *
 * Options QEMU's reference command line uses and that mean nothing here
 * (-nodefaults, -display, -S, -nographic, -serial, -monitor, ...) are
 * accepted and ignored; an unknown option is an error, as in QEMU.
 *
 * The virtual clock follows QEMU 7.2's for the same options:
 *   -accel qtest            clock_step/clock_set move it, nothing else does;
 *   -icount ...,sleep=off   it jumps to the next timer deadline whenever
 *                           the input is drained (QEMU: the halted CPU lets
 *                           the clock warp as soon as the main loop idles);
 *                           clock_step/clock_set are unknown commands;
 *   otherwise (TCG)         it follows the host clock; clock_* unknown.
 * iommusim processes every line already received before the clock may
 * move, as QEMU processes a whole chunk of input; it differs from QEMU only
 * in being deterministic about it.
 *
 * Exit status: 0 at the end of the input, 1 for a bad option, a machine or
 * device that cannot be built, or an I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "scripts/cli.h"
#include "scripts/lua-iommusim.h"
#include "scripts/qtest.h"
#include "dma/pci-driver.h"
#include "dma/vclock.h"

#ifndef IOMMUSIM_LUA_DIR
#define IOMMUSIM_LUA_DIR "scripts/lua"
#endif
#ifndef IOMMUSIM_MACHINES_DIR
#define IOMMUSIM_MACHINES_DIR "scripts/machines"
#endif

#define DEFAULT_RAM_SIZE (128 * 1024 * 1024ULL)

/*
 * At the end of a session the process is about to exit: freeing the machine
 * piece by piece (lua_close: every region, address space, device) only
 * costs time the kernel spends again on the whole address space. It is
 * skipped then, except in builds with AddressSanitizer/LeakSanitizer, whose
 * leak check must see everything freed. (The Lua state stays reachable
 * from keep_state, so that a leak checker such as valgrind's sees it as
 * still reachable, not lost.)
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_LEAK__)
#define QTEST_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define QTEST_FREE_AT_EXIT 1
#endif
#endif
#ifndef QTEST_FREE_AT_EXIT
#define QTEST_FREE_AT_EXIT 0
static lua_State *keep_state;
#endif

typedef struct QTestOpts {
    const char *machine;
    char *accel;            /* from -accel or -machine accel= */
    bool lspci;             /* print the PCI devices and exit */
    uint64_t ram_size;      /* 0: default */
    GPtrArray *devices;     /* -device strings */
    const char *bios;
    const char *chardev;
    const char *log;
    bool icount;
    bool icount_sleep;
} QTestOpts;

static int qerr(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static int qerr(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAILURE;
}

/* ---- option parsing -------------------------------------------------- */

/* QEMU's qemu_strtosz_MiB: decimal (or 0x hex) number, optional fraction,
 * suffix B K M G T P E (binary, case-insensitive), default M. */
static bool parse_size_mib(const char *s, uint64_t *out)
{
    const char *p = s;
    char *end;
    uint64_t val, mul;
    double frac = 0;
    unsigned __int128 r;

    if (!*p || strchr(s, '-')) {
        return false;
    }
    errno = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        val = strtoull(p, &end, 16);
        if (*end == '.') {
            return false;
        }
    } else {
        val = strtoull(p, &end, 10);
        if (*end == '.') {
            char *fend;
            frac = strtod(end, &fend);
            if (fend == end) {
                fend = end + 1;   /* "1." is 1: QEMU skips a bare dot */
                frac = 0;
            }
            if (memchr(end, 'e', fend - end) || memchr(end, 'E', fend - end)) {
                return false;
            }
            end = fend;
        }
    }
    if (errno || end == p) {
        return false;
    }
    switch (g_ascii_toupper(*end)) {
    case 'B': mul = 1; end++; break;
    case 'K': mul = 1ULL << 10; end++; break;
    case 'M': mul = 1ULL << 20; end++; break;
    case 'G': mul = 1ULL << 30; end++; break;
    case 'T': mul = 1ULL << 40; end++; break;
    case 'P': mul = 1ULL << 50; end++; break;
    case 'E': mul = 1ULL << 60; end++; break;
    default: mul = 1ULL << 20; break;
    }
    if (*end) {
        return false;
    }
    if (mul == 1 && frac != 0) {
        return false;
    }
    r = (unsigned __int128)val * mul +
        (unsigned __int128)(frac * (double)mul + 0.5);
    if (r >> 64) {
        return false;
    }
    *out = (uint64_t)r;
    return true;
}

static int parse_memory(QTestOpts *o, const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);
    uint64_t size = 0;

    for (int i = 0; parts[i]; i++) {
        const char *v = parts[i];

        if (i == 0 && !strchr(v, '=')) {
            /* -m N: the legacy form */
        } else if (g_str_has_prefix(v, "size=")) {
            v += 5;
        } else {
            return qerr("-m %s: only the size is supported ('%s')", arg,
                        parts[i]);
        }
        if (!parse_size_mib(v, &size)) {
            return qerr("-m %s: Parameter 'size' expects a non-negative "
                        "number below 2^64\nOptional suffix k, M, G, T, P or "
                        "E means kilo-, mega-, giga-, tera-, peta-\nand "
                        "exabytes, respectively.", arg);
        }
    }
    if (size == 0) {
        size = DEFAULT_RAM_SIZE;    /* QEMU: a size of 0 means the default */
    }
    /* QEMU rounds the RAM size up to 8 KiB */
    if (size > UINT64_MAX - 8191) {
        return qerr("-m %s: ram size too large", arg);
    }
    o->ram_size = (size + 8191) & ~8191ULL;
    return CLI_EXIT_OK;
}

static int parse_icount(QTestOpts *o, const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

    o->icount = true;
    o->icount_sleep = true;
    for (int i = 0; parts[i]; i++) {
        const char *v = parts[i];

        if (g_str_has_prefix(v, "sleep=")) {
            if (!strcmp(v + 6, "on")) {
                o->icount_sleep = true;
            } else if (!strcmp(v + 6, "off")) {
                o->icount_sleep = false;
            } else {
                return qerr("-icount %s: Parameter 'sleep' expects 'on' or "
                            "'off'", arg);
            }
        } else if (g_str_has_prefix(v, "shift=") ||
                   g_str_has_prefix(v, "align=") ||
                   g_str_has_prefix(v, "rr=") ||
                   g_str_has_prefix(v, "rrfile=") ||
                   g_str_has_prefix(v, "rrsnapshot=") ||
                   (i == 0 && !strchr(v, '='))) {
            /* instruction counting has no meaning without a CPU */
        } else {
            return qerr("-icount %s: Invalid parameter '%.*s'", arg,
                        (int)strcspn(v, "="), v);
        }
    }
    return CLI_EXIT_OK;
}

static int parse_machine(QTestOpts *o, const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

    for (int i = 0; parts[i]; i++) {
        const char *v = parts[i];

        if (i == 0 && !strchr(v, '=')) {
            o->machine = g_intern_string(v);
        } else if (g_str_has_prefix(v, "type=")) {
            o->machine = g_intern_string(v + 5);
        } else if (g_str_has_prefix(v, "accel=")) {
            g_free(o->accel);
            o->accel = g_strdup(v + 6);
        } else {
            /* other machine properties (kernel-irqchip, smm, ...) do not
             * change what iommusim builds */
        }
    }
    return CLI_EXIT_OK;
}

/* Options taking an argument that mean nothing without a CPU or a display */
static const char *const ignored_with_arg[] = {
    "display", "serial", "monitor", "qmp", "chardev", "vga", "smp", "cpu",
    "name", "L", "global", "boot", "rtc", "parallel", "net", "nic", "drive",
    "object", "uuid", "k", "msg", "D", "d", "trace", "overcommit", "mon",
    "pidfile", "audiodev", "uuid", NULL,
};
static const char *const ignored_flags[] = {
    "nodefaults", "S", "nographic", "no-reboot", "no-shutdown", "no-hpet",
    "enable-kvm", "no-user-config", "daemonize", "snapshot", "no-acpi",
    "full-screen", "s", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++) {
        if (!strcmp(*list, name)) {
            return true;
        }
    }
    return false;
}

static const char usage[] =
    "Usage: iommusim qtest [OPTIONS]\n"
    "\n"
    "Serve QEMU's qtest protocol for a simulated machine, reply for reply\n"
    "as qemu-system-x86_64 7.2 with the same options.\n"
    "\n"
    "  -machine NAME[,accel=A]   machine: q35 (default), or a FILE.lua\n"
    "  -m [size=]SIZE            RAM size (MiB without a suffix; 128M)\n"
    "  -device DRIVER[,PROP=V]   add a device (repeatable; -device help)\n"
    "  -bios FILE                firmware image (a multiple of 64 KiB)\n"
    "  -accel tcg|kvm|qtest      qtest: clock_step/clock_set move the clock\n"
    "  -icount [shift=]N[,sleep=on|off]\n"
    "                            sleep=off: the clock jumps to the next timer\n"
    "                            deadline whenever the input is drained\n"
    "  -qtest stdio|unix:PATH[,server=on[,wait=off]]\n"
    "                            where the protocol runs (default stdio)\n"
    "  -qtest-log FILE|none      log commands and replies (default: none)\n"
    "  -lspci                    list the machine's PCI devices (as lspci -nn)\n"
    "                            and exit without serving the protocol\n"
    "\n"
    "Accepted and ignored: -nodefaults -display -S -nographic -serial\n"
    "-monitor -smp -cpu -name and other options without meaning here.\n"
    "Exit status: 0 at the end of input, 1 on errors.\n";

static int parse_options(QTestOpts *o, int argc, char **argv, bool *done)
{
    *done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *name;
        const char *val = NULL;

        if (a[0] != '-' || a[1] == '\0') {
            return qerr("%s: invalid option", a);
        }
        name = a + 1;
        if (name[0] == '-') {
            name++;
        }
        if (!strcmp(name, "h") || !strcmp(name, "help")) {
            fputs(usage, stdout);
            *done = true;
            return CLI_EXIT_OK;
        }
#define NEED_ARG()                                                   \
        do {                                                         \
            if (i + 1 >= argc) {                                     \
                return qerr("%s: requires an argument", a);          \
            }                                                        \
            val = argv[++i];                                         \
        } while (0)
        if (!strcmp(name, "machine") || !strcmp(name, "M")) {
            NEED_ARG();
            if (parse_machine(o, val)) {
                return CLI_EXIT_FAILURE;
            }
        } else if (!strcmp(name, "m")) {
            NEED_ARG();
            if (parse_memory(o, val)) {
                return CLI_EXIT_FAILURE;
            }
        } else if (!strcmp(name, "lspci")) {
            o->lspci = true;
        } else if (!strcmp(name, "device")) {
            NEED_ARG();
            g_ptr_array_add(o->devices, (gpointer)val);
        } else if (!strcmp(name, "bios")) {
            NEED_ARG();
            o->bios = val;
        } else if (!strcmp(name, "accel")) {
            NEED_ARG();
            g_free(o->accel);
            o->accel = g_strndup(val, strcspn(val, ","));
        } else if (!strcmp(name, "icount")) {
            NEED_ARG();
            if (parse_icount(o, val)) {
                return CLI_EXIT_FAILURE;
            }
        } else if (!strcmp(name, "qtest")) {
            NEED_ARG();
            o->chardev = val;
        } else if (!strcmp(name, "qtest-log")) {
            NEED_ARG();
            o->log = val;
        } else if (in_list(ignored_with_arg, name)) {
            NEED_ARG();
        } else if (in_list(ignored_flags, name)) {
            /* nothing */
        } else {
            return qerr("%s: invalid option", a);
        }
#undef NEED_ARG
    }
    return CLI_EXIT_OK;
}

/* ---- the machine ----------------------------------------------------- */

static char *machine_path(const char *name)
{
    const char *env = g_getenv("IOMMUSIM_MACHINES");

    if (g_str_has_suffix(name, ".lua")) {
        return g_strdup(name);
    }
    if (!strchr(name, '/') && name[0] && name[0] != '.') {
        g_autofree char *file = g_strconcat(name, ".lua", NULL);
        char *p;

        if (env) {
            p = g_build_filename(env, file, NULL);
            if (g_file_test(p, G_FILE_TEST_EXISTS)) {
                return p;
            }
            g_free(p);
        }
        p = g_build_filename(IOMMUSIM_MACHINES_DIR, file, NULL);
        if (g_file_test(p, G_FILE_TEST_EXISTS)) {
            return p;
        }
        g_free(p);
    }
    return NULL;
}

typedef struct BuildArgs {
    const QTestOpts *o;
    const char *path;
    AddressSpace *memory;   /* out */
    AddressSpace *io;       /* out */
} BuildArgs;

/* In protected mode: load the machine file, call it with the options,
 * leave the machine table on the stack. */
static int build_machine(lua_State *L)
{
    BuildArgs *b = lua_touserdata(L, 1);
    const QTestOpts *o = b->o;
    /* nothing heap-allocated may live across calls that can raise */
    char *dir = g_path_get_dirname(b->path);

    lua_pushstring(L, dir);
    g_free(dir);
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_iommusim);
    lua_setfield(L, -2, "iommusim");
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?.lua;%s", lua_tostring(L, -3),
                    IOMMUSIM_LUA_DIR, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 3);

    if (luaL_loadfile(L, b->path) != LUA_OK) {
        return lua_error(L);
    }
    lua_call(L, 0, 1);
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "build");
        lua_remove(L, -2);
    }
    if (!lua_isfunction(L, -1)) {
        return luaL_error(L, "%s: the machine file must return a function "
                          "or a table with a build function", b->path);
    }
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, (lua_Integer)(o->ram_size ? o->ram_size
                                                  : DEFAULT_RAM_SIZE));
    lua_setfield(L, -2, "ram_size");
    if (o->bios) {
        lua_pushstring(L, o->bios);
        lua_setfield(L, -2, "bios");
    }
    lua_createtable(L, (int)o->devices->len, 0);
    for (guint i = 0; i < o->devices->len; i++) {
        lua_pushstring(L, g_ptr_array_index(o->devices, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "devices");
    lua_pushstring(L, o->accel ? o->accel : "tcg");
    lua_setfield(L, -2, "accel");
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1)) {
        return luaL_error(L, "%s: the machine function must return a table",
                          b->path);
    }
    /* the address spaces qtest reaches: memory (required), io_as */
    if (lua_getfield(L, -1, "memory") != LUA_TUSERDATA ||
        !luaL_testudata(L, -1, SIM_AS_MT)) {
        return luaL_error(L, "%s: the machine has no address space 'memory'",
                          b->path);
    }
    b->memory = sim_checkas(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "io_as") == LUA_TUSERDATA &&
        luaL_testudata(L, -1, SIM_AS_MT)) {
        b->io = sim_checkas(L, -1);
    }
    lua_pop(L, 1);
    return 1;
}

/* -device help: the device models, in QEMU's `name "X", bus B, desc "D"`
 * form (intel-iommu is a system-bus device in QEMU 7.2) */
static void print_device_help(void)
{
    g_autoptr(GPtrArray) names = pci_driver_names();

    printf("Devices:\n");
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        const PCIDeviceClass *k = pci_driver_find(name);

        if (k && k->no_user) {
            continue;
        }
        printf("name \"%s\", bus PCI%s%s%s\n", name,
               k && k->desc ? ", desc \"" : "", k && k->desc ? k->desc : "",
               k && k->desc ? "\"" : "");
    }
    printf("name \"intel-iommu\", bus System, desc \"Intel IOMMU (VT-d) "
           "DMA Remapping device\"\n");
}

/* -lspci: the machine's PCI bus as `lspci -nn` lists it (machine at -1) */
static int print_lspci(lua_State *L)
{
    static const char chunk[] =
        "local m = ...\n"
        "assert(m.pci_bus, 'the machine has no PCI bus (field pci_bus)')\n"
        "io.write(m.pci_bus:lspci())\n";

    if (luaL_loadbuffer(L, chunk, sizeof(chunk) - 1, "=lspci") != LUA_OK) {
        return qerr("%s", lua_tostring(L, -1));
    }
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        return qerr("%s", msg ? msg : "lspci failed");
    }
    fflush(stdout);
    return CLI_EXIT_OK;
}

/* ---- I/O ------------------------------------------------------------- */

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static bool flush_output(QTestServer *s, int fd)
{
    size_t len;
    const char *out = qtest_server_output(s, &len);

    if (len && !write_all(fd, out, len)) {
        return false;
    }
    qtest_server_consume(s, len);
    return true;
}

/* -qtest CHARDEV: open the protocol's file descriptors */
static char *server_path;   /* a listening socket's path, removed at exit */

static bool open_chardev(const char *spec, int *in_fd, int *out_fd,
                         int *listen_fd)
{
    g_auto(GStrv) parts = NULL;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    bool server = false;
    int fd;

    *listen_fd = -1;
    if (!strcmp(spec, "stdio")) {
        *in_fd = 0;
        *out_fd = 1;
        return true;
    }
    if (!g_str_has_prefix(spec, "unix:")) {
        qerr("-qtest %s: only stdio and unix:PATH are supported", spec);
        return false;
    }
    parts = g_strsplit(spec + 5, ",", -1);
    for (int i = 1; parts[i]; i++) {
        if (!strcmp(parts[i], "server") || !strcmp(parts[i], "server=on")) {
            server = true;
        } else if (!strcmp(parts[i], "server=off")) {
            server = false;
        } else if (!strcmp(parts[i], "nowait") ||
                   g_str_has_prefix(parts[i], "wait=")) {
            /* we always wait for the one client we serve */
        } else {
            qerr("-qtest %s: unknown socket option '%s'", spec, parts[i]);
            return false;
        }
    }
    if (!parts[0][0] || strlen(parts[0]) >= sizeof(sun.sun_path)) {
        qerr("-qtest %s: bad socket path", spec);
        return false;
    }
    strcpy(sun.sun_path, parts[0]);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        qerr("-qtest %s: socket: %s", spec, g_strerror(errno));
        return false;
    }
    if (server) {
        int c;

        unlink(sun.sun_path);
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
            listen(fd, 1) < 0) {
            qerr("-qtest %s: %s", spec, g_strerror(errno));
            close(fd);
            return false;
        }
        do {
            c = accept(fd, NULL, NULL);
        } while (c < 0 && errno == EINTR);
        if (c < 0) {
            qerr("-qtest %s: accept: %s", spec, g_strerror(errno));
            close(fd);
            return false;
        }
        *listen_fd = fd;
        server_path = g_strdup(sun.sun_path);
        fd = c;
    } else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        qerr("-qtest %s: Failed to connect to '%s': %s", spec, sun.sun_path,
             g_strerror(errno));
        close(fd);
        return false;
    }
    *in_fd = fd;
    *out_fd = fd;
    return true;
}

/* Report (and clear) an error a Lua callback left in the session frame */
static void report_callback_error(lua_State *L, SimCall *c)
{
    if (!lua_isnil(L, c->slot)) {
        const char *msg = lua_tostring(L, c->slot);

        fprintf(stderr, "%s: qtest: %s\n", cli_prog,
                msg ? msg : "(error object is not a string)");
        lua_pushnil(L);
        lua_replace(L, c->slot);
    }
}

static int serve(lua_State *L, QTestServer *s, VClock *clock, int in_fd,
                 int out_fd)
{
    enum { BUFSZ = 65536 };
    g_autofree char *buf = g_malloc(BUFSZ);
    SimCall frame;
    int status = CLI_EXIT_OK;

    /* One frame for the whole session: Lua MMIO callbacks of the machine
     * run inside it; their errors are reported after each chunk. */
    sim_call_enter(L, &frame);
    for (;;) {
        struct pollfd p = { .fd = in_fd, .events = POLLIN };
        size_t pending;
        ssize_t n;
        int r;

        /*
         * Every line received so far has run. Is more input here already?
         * If not, the machine is idle: the clock moves on (-icount
         * sleep=off) before the replies go out, so that a client that waits
         * for a reply before sending the next line always finds the timers
         * of the lines before it run - whatever the host's scheduling.
         */
        do {
            r = poll(&p, 1, 0);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            if (vclock_idle(clock, 0)) {
                report_callback_error(L, &frame);
            }
            if (!flush_output(s, out_fd)) {
                status = errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
                break;
            }
            for (;;) {
                int64_t wait_ns = vclock_realtime_wait_ns(clock);
                int timeout = wait_ns < 0 ? -1
                    : (int)MIN((wait_ns + 999999) / 1000000, 1000);

                do {
                    r = poll(&p, 1, timeout);
                } while (r < 0 && errno == EINTR);
                if (r != 0) {
                    break;
                }
                if (vclock_idle(clock, 0)) {
                    report_callback_error(L, &frame);
                    flush_output(s, out_fd);
                }
            }
        } else {
            /* input keeps coming: send replies in big pieces */
            qtest_server_output(s, &pending);
            if (pending >= BUFSZ && !flush_output(s, out_fd)) {
                status = errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
                break;
            }
        }
        n = read(in_fd, buf, BUFSZ);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n < 0) {
            qerr("qtest: read: %s", g_strerror(errno));
            status = CLI_EXIT_FAILURE;
            break;
        }
        if (n == 0) {
            break;
        }
        qtest_server_feed(s, buf, (size_t)n);
        report_callback_error(L, &frame);
    }
    flush_output(s, out_fd);
    lua_pushnil(L);
    lua_replace(L, frame.slot);
    sim_call_leave(L, &frame);
    lua_pop(L, 1);
    return status;
}

int cli_qtest(int argc, char **argv)
{
    QTestOpts o = { .machine = "q35", .chardev = "stdio" };
    g_autofree char *path = NULL;
    BuildArgs b = { 0 };
    QTestConfig cfg = { 0 };
    QTestServer *s = NULL;
    VClock *clock;
    lua_State *L;
    FILE *log = NULL;
    int in_fd, out_fd, listen_fd = -1;
    int status;
    bool done;
    bool served = false;

    o.devices = g_ptr_array_new();
    status = parse_options(&o, argc, argv, &done);
    if (status || done) {
        goto out_opts;
    }
    for (guint i = 0; i < o.devices->len; i++) {
        if (!strcmp(g_ptr_array_index(o.devices, i), "help")) {
            print_device_help();
            goto out_opts;
        }
    }
    if (!strcmp(o.machine, "help")) {
        printf("Supported machines are:\n"
               "q35                  Standard PC (Q35 + ICH9, 2009)\n");
        goto out_opts;
    }
    path = machine_path(o.machine);
    if (!path) {
        status = qerr("unsupported machine type\n"
                      "Use -machine help to list supported machines");
        goto out_opts;
    }
    if (o.accel && strcmp(o.accel, "tcg") && strcmp(o.accel, "kvm") &&
        strcmp(o.accel, "qtest") && strcmp(o.accel, "kvm:tcg") &&
        strcmp(o.accel, "tcg:kvm")) {
        status = qerr("-accel %s: invalid accelerator %s", o.accel, o.accel);
        goto out_opts;
    }
    if (o.accel && !strcmp(o.accel, "qtest") && o.icount) {
        status = qerr("-icount is not allowed with hardware virtualization");
        goto out_opts;
    }

    /* the virtual clock, as QEMU's for these options */
    clock = vclock_virtual();
    if (o.accel && !strcmp(o.accel, "qtest")) {
        vclock_set_mode(clock, VCLOCK_MANUAL);
        cfg.clock_commands = true;
    } else if (o.icount && !o.icount_sleep) {
        vclock_set_mode(clock, VCLOCK_IDLE_WARP);
    } else {
        vclock_set_mode(clock, VCLOCK_REALTIME);
    }

    
    L = luaL_newstate();
    if (!L) {
        status = qerr("cannot create a Lua state");
        goto out_opts;
    }
    b.o = &o;
    b.path = path;
    /* Building the machine keeps most of what it allocates: no collection
     * cycles while it runs (a small saving, ~2% of the start-up's
     * instructions); the collector is back on before the first line. */
    lua_gc(L, LUA_GCSTOP);
    lua_pushcfunction(L, build_machine);
    lua_pushlightuserdata(L, &b);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);

        status = qerr("%s", msg ? msg : "(error object is not a string)");
        goto out_lua;
    }
    
    lua_gc(L, LUA_GCRESTART);
    if (o.lspci) {
        status = print_lspci(L);
        goto out_lua;
    }
    /* the machine table stays at -1 (it anchors the machine) */
    cfg.memory = b.memory;
    cfg.io = b.io;
    cfg.clock = clock;

    if (o.log && strcmp(o.log, "none")) {
        log = fopen(o.log, "w");
        if (!log) {
            status = qerr("-qtest-log %s: %s", o.log, g_strerror(errno));
            goto out_lua;
        }
        setvbuf(log, NULL, _IOLBF, 0);
        cfg.log = log;
    }
    if (!open_chardev(o.chardev, &in_fd, &out_fd, &listen_fd)) {
        status = CLI_EXIT_FAILURE;
        goto out_lua;
    }
    signal(SIGPIPE, SIG_IGN);
    s = qtest_server_new(&cfg);
    if (log) {
        fprintf(log, "[I %.06f] OPENED\n", 0.0);
    }
    status = serve(L, s, clock, in_fd, out_fd);
    served = true;
    
    if (log) {
        fprintf(log, "[I +%.06f] CLOSED\n", 0.0);
    }
    qtest_server_free(s);
    if (in_fd > 2) {
        close(in_fd);
    }
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(server_path);
        g_clear_pointer(&server_path, g_free);
    }

out_lua:
#if QTEST_FREE_AT_EXIT
    (void)served;
    lua_close(L);
#else
    if (served) {
        keep_state = L;     /* served a session: the process ends now */
    } else {
        lua_close(L);
    }
#endif

    if (log) {
        fclose(log);
    }
out_opts:
    g_free(o.accel);
    g_ptr_array_free(o.devices, TRUE);
    return status;
}
