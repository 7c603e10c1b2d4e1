/*
 * mtree-import.c - rebuild regions and address spaces from `info mtree -D`
 * text (see mtree-import.h for what is settled how).
 *
 * Stages:
 *   1. parse the tree text into sections of line nodes; parse the hint;
 *   2. give every node a structural signature (its own fields, its address
 *      relative to its parent, the signatures of its children);
 *   3. decide which nodes are the same object: a `memory-region:` section
 *      is the object printed elsewhere with the same signature, if any;
 *   4. resolve alias targets by replaying QEMU's print order;
 *   5. decide kinds and sizes, create the regions and address spaces;
 *   6. with a hint: compare the rendered views with it and settle
 *      leaf/container, readonly and sibling order until they agree.
 */
#include "memory/mtree-import.h"
#include <string.h>
#include <stdlib.h>
#include <errno.h>

G_DEFINE_QUARK(mtree-import-error-quark, mtree_import_error)

#define MAX_LEVEL 256
#define OVERFLOW_PREFIX "[DETECTED OVERFLOW!] "

enum { T_RAM, T_ROM, T_ROMD, T_RAMD, T_IO };
static const char *const type_word[] = { "ram", "rom", "romd", "ramd", "i/o" };

typedef enum {
    K_CONTAINER, K_IO, K_RAM, K_ROM, K_ROMD, K_RAMD, K_ALIAS,
} ObjKind;

typedef struct Section Section;
typedef struct Node Node;
typedef struct Obj Obj;

struct Node {
    guint line;
    guint level;
    guint idx;          /* pre-order position over the whole file */
    hwaddr start, end;
    int prio;
    int type;
    bool nv, disabled;
    char *name;
    char *owner;        /* the -o suffix, or NULL */
    bool is_alias;
    char *alias_raw;    /* "NAME @TARGET" before it is split */
    char *target;
    hwaddr astart, aend;
    Node *parent;
    GPtrArray *kids;    /* printed order */
    Section *sec;
    u128 size;          /* END-START+1; 2^64 for a full range */
    bool tiny;          /* START == END: size 0 or 1 */
    hwaddr rel;         /* addr: START minus the parent's START */
    guint sig;
    Node *uf;           /* union-find link */
    bool uf_mr_root;    /* class holds a memory-region section root */
    bool uf_as_root;    /* class holds an address-space root */
    Obj *obj;
};

struct Section {
    bool is_as;
    guint line;
    GPtrArray *as_names;   /* char * */
    char *mr_name;
    Node *root;
    guint idx;
    bool queued;           /* replay of QEMU's alias queue */
    bool referenced;
};

typedef struct Constraint {
    Obj *newer, *older;
} Constraint;

struct Obj {
    Node *rep;
    guint idx;
    ObjKind kind;
    Obj *container;
    hwaddr addr;
    u128 size;
    int prio;
    GPtrArray *kids;       /* Obj *, printed order */
    Obj *target;           /* alias */
    hwaddr alias_offset;
    bool force_container;  /* childless i/o the hint shows as not a leaf */
    bool made_readonly;
    GArray *cons;          /* Constraint, hint-derived sibling order */
    MemoryRegion *mr;
    int visit;             /* alias creation DFS */
};

typedef struct HintRange {
    guint line;
    hwaddr start, end;
    int prio;
    bool nv;
    int type;
    char *name;
    hwaddr offset;
} HintRange;

typedef struct HintAS {
    char *name, *root, *alias;
    guint line;
} HintAS;

typedef struct HintView {
    guint line;
    GArray *spaces; /* HintAS */
    char *root;     /* NULL: (none) */
    GArray *ranges; /* HintRange */
} HintView;

typedef struct ASSpec {
    char *name;
    Obj *root;
    Section *sec;
    HintView *hint;
    guint hint_pos;
    bool emitted;
    bool gave_up;
} ASSpec;

struct MtreeImport {
    GPtrArray *sections;   /* Section * */
    GPtrArray *nodes;      /* Node *, file order */
    GPtrArray *objs;       /* Obj *, file order of first node */
    GPtrArray *as_specs;   /* ASSpec *, creation order */
    GPtrArray *spaces;     /* AddressSpace *, created */
    GPtrArray *warnings;   /* char * */
    GPtrArray *hint;       /* HintView *, NULL without hint */
    GHashTable *leaf_names;
    GHashTable *by_mr;     /* MemoryRegion * -> Obj * */
    bool owner_mode;
};

static void warn(MtreeImport *imp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void warn(MtreeImport *imp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(imp->warnings, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static uint64_t size64(u128 size)
{
    return size >= U128_2_64 ? UINT64_MAX : (uint64_t)size;
}

/* ---- freeing -------------------------------------------------------- */

static void node_free(gpointer p)
{
    Node *n = p;

    g_free(n->name);
    g_free(n->owner);
    g_free(n->alias_raw);
    g_free(n->target);
    if (n->kids) {
        g_ptr_array_free(n->kids, TRUE);
    }
    g_free(n);
}

static void section_free(gpointer p)
{
    Section *s = p;

    g_ptr_array_free(s->as_names, TRUE);
    g_free(s->mr_name);
    g_free(s);
}

static void obj_free(gpointer p)
{
    Obj *o = p;

    if (o->kids) {
        g_ptr_array_free(o->kids, TRUE);
    }
    if (o->cons) {
        g_array_free(o->cons, TRUE);
    }
    g_free(o);
}

static void hint_view_free(gpointer p)
{
    HintView *v = p;

    for (guint i = 0; i < v->spaces->len; i++) {
        HintAS *a = &g_array_index(v->spaces, HintAS, i);
        g_free(a->name);
        g_free(a->root);
        g_free(a->alias);
    }
    g_array_free(v->spaces, TRUE);
    for (guint i = 0; i < v->ranges->len; i++) {
        g_free(g_array_index(v->ranges, HintRange, i).name);
    }
    g_array_free(v->ranges, TRUE);
    g_free(v->root);
    g_free(v);
}

static void as_spec_free(gpointer p)
{
    ASSpec *a = p;

    g_free(a->name);
    g_free(a);
}

/* ---- parsing helpers ------------------------------------------------ */

/* A hex number of 1 to 16 digits that runs up to @stop (or the end). */
static bool parse_hex_token(const char **pp, char stop, uint64_t *out,
                            const char *what, const char *where, guint line,
                            GError **errp)
{
    const char *p = *pp;
    const char *e = stop ? strchr(p, stop) : p + strlen(p);
    uint64_t v = 0;

    if (!e) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "%sline %u: malformed line: no '%c' after the %s", where,
                    line, stop, what);
        return false;
    }
    if (e == p || e - p > 16) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "%sline %u: bad hex number '%.*s' for the %s", where,
                    line, (int)MIN(e - p, 40), p, what);
        return false;
    }
    for (const char *q = p; q < e; q++) {
        if (!g_ascii_isxdigit(*q)) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "%sline %u: bad hex number '%.*s' for the %s", where,
                        line, (int)MIN(e - p, 40), p, what);
            return false;
        }
        v = (v << 4) | (uint64_t)g_ascii_xdigit_value(*q);
    }
    *out = v;
    *pp = e;
    return true;
}

static bool expect(const char **pp, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*pp, lit, n) != 0) {
        return false;
    }
    *pp += n;
    return true;
}

/* "(prio %d, [nv-]TYPE): " */
static bool parse_prio_type(const char **pp, int *prio, bool *nv, int *type,
                            const char *where, guint line, GError **errp)
{
    const char *p = *pp;
    char *end;
    long v;

    if (!expect(&p, "(prio ")) {
        goto bad;
    }
    if (!(*p == '-' || g_ascii_isdigit(*p))) {
        goto bad;
    }
    errno = 0;
    v = strtol(p, &end, 10);
    if (errno || v < G_MININT32 || v > G_MAXINT32 || end == p) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "%sline %u: bad priority", where, line);
        return false;
    }
    p = end;
    if (!expect(&p, ", ")) {
        goto bad;
    }
    *nv = expect(&p, "nv-");
    if (expect(&p, "romd")) {
        *type = T_ROMD;
    } else if (expect(&p, "ramd")) {
        *type = T_RAMD;
    } else if (expect(&p, "rom")) {
        *type = T_ROM;
    } else if (expect(&p, "ram")) {
        *type = T_RAM;
    } else if (expect(&p, "i/o")) {
        *type = T_IO;
    } else {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "%sline %u: unknown region type (expected ram, rom, romd, "
                    "ramd or i/o)", where, line);
        return false;
    }
    if (!expect(&p, "): ")) {
        goto bad;
    }
    *prio = (int)v;
    *pp = p;
    return true;

bad:
    g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                "%sline %u: malformed line: expected \"(prio N, TYPE): \"",
                where, line);
    return false;
}

/* Length of the -o suffix (" owner:{...}", " parent:{...}", both, or
 * " orphan") at the end of @s, or 0. */
static size_t owner_suffix_len(const char *s, size_t len)
{
    static const char *const labels[] = { " parent:{", " owner:{" };
    size_t n = len;

    if (len >= 7 && memcmp(s + len - 7, " orphan", 7) == 0) {
        return 7;
    }
    /* QEMU prints owner, then parent: strip from the right */
    for (int k = 0; k < 2; k++) {
        size_t ll = strlen(labels[k]);
        size_t b;

        if (n < 2 || s[n - 1] != '}') {
            break;
        }
        for (b = n - 1; b > 0 && s[b - 1] != '{'; b--) {
        }
        if (b == 0) {
            break;
        }
        b--; /* the '{' */
        if (b + 1 < ll || memcmp(s + b + 1 - ll, labels[k], ll) != 0) {
            continue;
        }
        if (strncmp(s + b + 1, "dev", 3) != 0 &&
            strncmp(s + b + 1, "obj", 3) != 0) {
            break;
        }
        n = b + 1 - ll;
    }
    return len - n;
}

static Node *parse_tree_line(MtreeImport *imp, const char *text, guint line,
                             GError **errp)
{
    const char *p = text;
    guint spaces = 0;
    g_autofree char *rest = NULL;
    size_t rlen;
    Node *n;

    if (g_str_has_prefix(p, OVERFLOW_PREFIX)) {
        p += strlen(OVERFLOW_PREFIX);
    }
    while (*p == ' ') {
        spaces++;
        p++;
    }
    if (spaces == 0 || spaces % 2) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "line %u: malformed line: indentation of %u spaces "
                    "(expected two per level)", line, spaces);
        return NULL;
    }
    if (spaces / 2 > MAX_LEVEL) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "line %u: nesting deeper than %d levels", line, MAX_LEVEL);
        return NULL;
    }

    n = g_new0(Node, 1);
    n->line = line;
    n->level = spaces / 2;
    n->kids = g_ptr_array_new();
    if (!parse_hex_token(&p, '-', &n->start, "start address", "", line, errp) ||
        !expect(&p, "-") ||
        !parse_hex_token(&p, ' ', &n->end, "end address", "", line, errp) ||
        !expect(&p, " ") ||
        !parse_prio_type(&p, &n->prio, &n->nv, &n->type, "", line, errp)) {
        node_free(n);
        return NULL;
    }

    rest = g_strdup(p);
    rlen = strlen(rest);
    if (imp->owner_mode) {
        size_t ol = owner_suffix_len(rest, rlen);
        if (ol) {
            n->owner = g_strdup(rest + rlen - ol);
            rlen -= ol;
            rest[rlen] = 0;
        }
    }
    if (rlen >= 11 && strcmp(rest + rlen - 11, " [disabled]") == 0) {
        n->disabled = true;
        rlen -= 11;
        rest[rlen] = 0;
    }
    if (g_str_has_prefix(rest, "alias ")) {
        char *body = rest + 6;
        char *sp = strrchr(body, ' ');
        const char *r;

        if (!sp || !strstr(body, " @") || strstr(body, " @") >= sp) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: malformed alias line: expected "
                        "\"alias NAME @TARGET START-END\"", line);
            node_free(n);
            return NULL;
        }
        r = sp + 1;
        if (!parse_hex_token(&r, '-', &n->astart, "alias offset", "", line,
                             errp) ||
            !expect(&r, "-") ||
            !parse_hex_token(&r, 0, &n->aend, "alias window end", "", line,
                             errp)) {
            node_free(n);
            return NULL;
        }
        *sp = 0;
        n->is_alias = true;
        n->alias_raw = g_strdup(body);
    } else {
        n->name = g_strdup(rest);
    }
    return n;
}

static bool finish_section(Section *s, GError **errp)
{
    if (s && !s->root) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                    "line %u: %s '%s' is followed by no region", s->line,
                    s->is_as ? "address-space" : "memory-region",
                    s->is_as ? (const char *)g_ptr_array_index(s->as_names, 0)
                             : s->mr_name);
        return false;
    }
    return true;
}

static bool parse_tree(MtreeImport *imp, const char *text, GError **errp)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint nlines = g_strv_length(lines);
    Section *cur = NULL;
    Node *stack[MAX_LEVEL + 2];
    guint depth = 0;

    if (text[0] == 0) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_TRUNCATED,
                    "line 1: empty dump");
        return false;
    }
    if (nlines > 0 && lines[nlines - 1][0] != 0) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_TRUNCATED,
                    "line %u: truncated: the last line does not end with a "
                    "newline", nlines);
        return false;
    }
    nlines--; /* the empty piece after the final newline */

    /* `info mtree -o` lines carry owners: strip them everywhere */
    for (guint i = 0; i < nlines && !imp->owner_mode; i++) {
        const char *l = lines[i];
        if (l[0] == ' ' && (strstr(l, " owner:{") || strstr(l, " parent:{"))) {
            imp->owner_mode = true;
        }
    }

    for (guint i = 0; i < nlines; i++) {
        char *l = lines[i];
        size_t len = strlen(l);
        guint lineno = i + 1;

        if (len && l[len - 1] == '\r') {
            l[--len] = 0;
        }
        if (len == 0) {
            if (!finish_section(cur, errp)) {
                return false;
            }
            cur = NULL;
            continue;
        }
        if (g_str_has_prefix(l, "address-space: ")) {
            if (cur && cur->is_as && !cur->root) {
                g_ptr_array_add(cur->as_names, g_strdup(l + 15));
                continue;
            }
            if (!finish_section(cur, errp)) {
                return false;
            }
            cur = g_new0(Section, 1);
            cur->is_as = true;
            cur->line = lineno;
            cur->as_names = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(cur->as_names, g_strdup(l + 15));
            cur->idx = imp->sections->len;
            g_ptr_array_add(imp->sections, cur);
            continue;
        }
        if (g_str_has_prefix(l, "memory-region: ")) {
            if (!finish_section(cur, errp)) {
                return false;
            }
            cur = g_new0(Section, 1);
            cur->line = lineno;
            cur->as_names = g_ptr_array_new_with_free_func(g_free);
            cur->mr_name = g_strdup(l + 15);
            cur->idx = imp->sections->len;
            g_ptr_array_add(imp->sections, cur);
            continue;
        }
        if (l[0] != ' ' && !g_str_has_prefix(l, OVERFLOW_PREFIX)) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: malformed line: expected 'address-space: ', "
                        "'memory-region: ', an indented region or an empty "
                        "line", lineno);
            return false;
        }
        if (!cur) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: region line outside a section (no "
                        "address-space: or memory-region: header before it)",
                        lineno);
            return false;
        }

        Node *n = parse_tree_line(imp, l, lineno, errp);
        if (!n) {
            return false;
        }
        n->sec = cur;
        n->idx = imp->nodes->len;
        g_ptr_array_add(imp->nodes, n);  /* owned from here on */
        if (!cur->root) {
            if (n->level != 1) {
                g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                            "line %u: indentation jumps to level %u (the "
                            "first region of a section is at level 1, two "
                            "spaces)", lineno, n->level);
                return false;
            }
            cur->root = n;
            stack[1] = n;
            depth = 1;
            if (!cur->is_as) {
                const char *nm = n->is_alias ? NULL : n->name;
                /* an alias root's name is checked once it is split */
                if (nm && strcmp(nm, cur->mr_name) != 0) {
                    g_set_error(errp, MTREE_IMPORT_ERROR,
                                MTREE_IMPORT_ERROR_PARSE,
                                "line %u: memory-region section '%s' starts "
                                "with region '%s'", lineno, cur->mr_name, nm);
                    return false;
                }
            }
            continue;
        }
        if (n->level == 1) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: second level-1 region in the section that "
                        "starts at line %u (missing empty line?)", lineno,
                        cur->line);
            return false;
        }
        if (n->level > depth + 1) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: indentation jumps from level %u to level %u%s",
                        lineno, depth, n->level,
                        n->level == depth + 2
                        ? " (plain `info mtree` leaves out disabled regions "
                          "but not their children: import `info mtree -D`)"
                        : "");
            return false;
        }
        n->parent = stack[n->level - 1];
        if (n->parent->is_alias) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: region inside alias '%s' (line %u): an "
                        "alias has no subregions", lineno,
                        n->parent->alias_raw, n->parent->line);
            return false;
        }
        g_ptr_array_add(n->parent->kids, n);
        stack[n->level] = n;
        depth = n->level;
    }
    if (cur && !cur->root) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_TRUNCATED,
                    "line %u: truncated: the dump ends after the %s header, "
                    "before its regions", cur->line,
                    cur->is_as ? "address-space" : "memory-region");
        return false;
    }
    if (imp->sections->len == 0) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_TRUNCATED,
                    "line 1: empty dump: no address-space section");
        return false;
    }
    return true;
}

/* ---- the hint: `info mtree -f` ---------------------------------------- */

static bool parse_hint(MtreeImport *imp, const char *text, GError **errp)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint nlines = g_strv_length(lines);
    HintView *cur = NULL;
    enum { H_SPACES, H_ROOT, H_RANGES, H_DONE } st = H_DONE;

    imp->hint = g_ptr_array_new_with_free_func(hint_view_free);
    if (nlines > 0 && lines[nlines - 1][0] != 0) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                    "hint line %u: truncated: the last line does not end "
                    "with a newline", nlines);
        return false;
    }
    for (guint i = 0; i + 1 < nlines; i++) {
        char *l = lines[i];
        size_t len = strlen(l);
        guint lineno = i + 1;

        if (len && l[len - 1] == '\r') {
            l[--len] = 0;
        }
        if (len == 0) {
            if (cur && st != H_DONE) {
                g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                            "hint line %u: FlatView of line %u ends early",
                            lineno, cur->line);
                return false;
            }
            cur = NULL;
            continue;
        }
        if (g_str_has_prefix(l, "FlatView #")) {
            cur = g_new0(HintView, 1);
            cur->line = lineno;
            cur->spaces = g_array_new(FALSE, TRUE, sizeof(HintAS));
            cur->ranges = g_array_new(FALSE, TRUE, sizeof(HintRange));
            g_ptr_array_add(imp->hint, cur);
            st = H_SPACES;
            continue;
        }
        if (!cur) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                        "hint line %u: expected 'FlatView #N'", lineno);
            return false;
        }
        if (st == H_SPACES && g_str_has_prefix(l, " AS \"")) {
            const char *p = l + 5;
            const char *q = strstr(p, "\", root: ");
            HintAS a = { .line = lineno };
            if (!q) {
                g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                            "hint line %u: malformed AS line", lineno);
                return false;
            }
            a.name = g_strndup(p, (gsize)(q - p));
            q += 9;
            const char *al = g_strrstr(q, ", alias ");
            if (al) {
                a.root = g_strndup(q, (gsize)(al - q));
                a.alias = g_strdup(al + 8);
            } else {
                a.root = g_strdup(q);
            }
            g_array_append_val(cur->spaces, a);
            continue;
        }
        if ((st == H_SPACES || st == H_ROOT) &&
            g_str_has_prefix(l, " Root memory region: ")) {
            const char *r = l + 21;
            cur->root = strcmp(r, "(none)") == 0 ? NULL : g_strdup(r);
            st = H_RANGES;
            continue;
        }
        if (st == H_RANGES && strcmp(l, "  No rendered FlatView") == 0) {
            st = H_DONE;
            continue;
        }
        if ((st == H_RANGES || st == H_DONE) && g_str_has_prefix(l, "  ") &&
            l[2] != ' ') {
            const char *p = l + 2;
            HintRange r = { .line = lineno };
            if (!parse_hex_token(&p, '-', &r.start, "start address", "hint ",
                                 lineno, errp) ||
                !expect(&p, "-") ||
                !parse_hex_token(&p, ' ', &r.end, "end address", "hint ",
                                 lineno, errp) ||
                !expect(&p, " ") ||
                !parse_prio_type(&p, &r.prio, &r.nv, &r.type, "hint ", lineno,
                                 errp)) {
                if (errp && *errp) {
                    (*errp)->code = MTREE_IMPORT_ERROR_HINT;
                }
                return false;
            }
            size_t pl = strlen(p);
            /* " @%016lx" at the end: offset in the region */
            if (pl > 18 && p[pl - 18] == ' ' && p[pl - 17] == '@') {
                const char *o = p + pl - 16;
                uint64_t off;
                if (parse_hex_token(&o, 0, &off, "offset", "hint ", lineno,
                                    NULL)) {
                    r.offset = off;
                    pl -= 18;
                }
            }
            r.name = g_strndup(p, pl);
            g_array_append_val(cur->ranges, r);
            st = H_DONE;
            continue;
        }
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                    "hint line %u: malformed line in the FlatView of line %u",
                    lineno, cur->line);
        return false;
    }
    if (cur && st != H_DONE) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_HINT,
                    "hint line %u: truncated: FlatView of line %u ends early",
                    nlines > 1 ? nlines - 1 : 1, cur->line);
        return false;
    }
    imp->leaf_names = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint v = 0; v < imp->hint->len; v++) {
        HintView *hv = g_ptr_array_index(imp->hint, v);
        for (guint i = 0; i < hv->ranges->len; i++) {
            g_hash_table_add(imp->leaf_names,
                             g_array_index(hv->ranges, HintRange, i).name);
        }
    }
    return true;
}

/* ---- structure: sizes, alias names, signatures ----------------------- */

static bool split_alias_names(MtreeImport *imp, GError **errp)
{
    g_autoptr(GHashTable) mr_names = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < imp->sections->len; i++) {
        Section *s = g_ptr_array_index(imp->sections, i);
        if (!s->is_as) {
            g_hash_table_add(mr_names, s->mr_name);
        }
    }
    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        if (n->name) {
            g_hash_table_add(names, n->name);
        }
    }
    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        const char *raw = n->alias_raw, *pick = NULL, *last = NULL;

        if (!n->is_alias) {
            continue;
        }
        for (const char *at = strstr(raw, " @"); at; at = strstr(at + 1, " @")) {
            last = at;
            if (!pick && g_hash_table_contains(mr_names, at + 2)) {
                pick = at;
            }
        }
        if (!pick) {
            for (const char *at = strstr(raw, " @"); at;
                 at = strstr(at + 1, " @")) {
                if (g_hash_table_contains(names, at + 2)) {
                    pick = at;
                    break;
                }
            }
        }
        if (!pick) {
            pick = last;
        }
        n->name = g_strndup(raw, (gsize)(pick - raw));
        n->target = g_strdup(pick + 2);
        if (n->level == 1 && !n->sec->is_as &&
            strcmp(n->name, n->sec->mr_name) != 0) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: memory-region section '%s' starts with "
                        "region '%s'", n->line, n->sec->mr_name, n->name);
            return false;
        }
    }
    return true;
}

static bool compute_sizes(MtreeImport *imp, GError **errp)
{
    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        uint64_t d = n->end - n->start;

        n->size = d == UINT64_MAX ? U128_2_64 : (u128)d + 1;
        n->tiny = d == 0;
        n->rel = n->parent ? n->start - n->parent->start : n->start;
        if (n->is_alias && n->aend - n->astart != d) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE,
                        "line %u: alias window %016" PRIx64 "-%016" PRIx64
                        " is not as large as the region %016" PRIx64
                        "-%016" PRIx64, n->line, n->astart, n->aend,
                        n->start, n->end);
            return false;
        }
    }
    return true;
}

static void compute_signatures(MtreeImport *imp)
{
    g_autoptr(GHashTable) intern =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    /* children follow their parent in pre-order: go backwards */
    for (guint i = imp->nodes->len; i-- > 0;) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        GString *k = g_string_new(NULL);
        gpointer id;

        g_string_append_printf(k, "%zu:%s|%zu:%s|%d|%d|%d|%d|%" PRIx64 "|%"
                               PRIx64 "|%d|", strlen(n->name), n->name,
                               n->owner ? strlen(n->owner) : 0,
                               n->owner ? n->owner : "", n->type, n->prio,
                               n->nv, n->disabled, n->rel, n->end - n->start,
                               n->is_alias);
        if (n->is_alias) {
            g_string_append_printf(k, "%zu:%s|%" PRIx64 "|", strlen(n->target),
                                   n->target, n->astart);
        }
        for (guint c = 0; c < n->kids->len; c++) {
            g_string_append_printf(k, "%u,",
                                   ((Node *)g_ptr_array_index(n->kids, c))->sig);
        }
        if (g_hash_table_lookup_extended(intern, k->str, NULL, &id)) {
            n->sig = GPOINTER_TO_UINT(id);
            g_string_free(k, TRUE);
        } else {
            n->sig = g_hash_table_size(intern) + 1;
            g_hash_table_insert(intern, g_string_free(k, FALSE),
                                GUINT_TO_POINTER(n->sig));
        }
    }
}

/* ---- identity: which nodes are one object ----------------------------- */

static Node *uf_find(Node *n)
{
    Node *r = n;

    while (r->uf) {
        r = r->uf;
    }
    while (n->uf) {
        Node *next = n->uf;
        n->uf = r;
        n = next;
    }
    return r;
}

/* Same signatures: children correspond one to one. */
static void uf_unify(Node *a, Node *b)
{
    GPtrArray *stack = g_ptr_array_new();

    g_ptr_array_add(stack, a);
    g_ptr_array_add(stack, b);
    while (stack->len) {
        Node *y = g_ptr_array_steal_index(stack, stack->len - 1);
        Node *x = g_ptr_array_steal_index(stack, stack->len - 1);
        Node *rx = uf_find(x), *ry = uf_find(y);

        if (rx != ry) {
            /* keep the earlier node as the class root */
            if (ry->idx < rx->idx) {
                Node *t = rx;
                rx = ry;
                ry = t;
            }
            ry->uf = rx;
            rx->uf_mr_root |= ry->uf_mr_root;
            rx->uf_as_root |= ry->uf_as_root;
        }
        for (guint i = 0; i < x->kids->len && i < y->kids->len; i++) {
            g_ptr_array_add(stack, g_ptr_array_index(x->kids, i));
            g_ptr_array_add(stack, g_ptr_array_index(y->kids, i));
        }
    }
    g_ptr_array_free(stack, TRUE);
}

static bool node_inside(const Node *n, const Node *anc)
{
    for (; n; n = n->parent) {
        if (n == anc) {
            return true;
        }
    }
    return false;
}

/* Distinct classes (by their root) that @root could be the same object as */
static GPtrArray *identity_candidates(GHashTable *by_sig, Node *root,
                                      bool placed_only)
{
    GPtrArray *bucket = g_hash_table_lookup(by_sig, GUINT_TO_POINTER(root->sig));
    GPtrArray *out = g_ptr_array_new();
    Node *self = uf_find(root);

    for (guint i = 0; bucket && i < bucket->len; i++) {
        Node *c = g_ptr_array_index(bucket, i);
        Node *rc;

        if (c == root || node_inside(c, root) || node_inside(root, c)) {
            continue;
        }
        if (placed_only && !c->parent) {
            continue;
        }
        rc = uf_find(c);
        if (rc == self) {
            continue;
        }
        /* sections are distinct objects; so are the roots of AS groups */
        if ((!root->sec->is_as && rc->uf_mr_root) ||
            (root->sec->is_as && rc->uf_as_root)) {
            continue;
        }
        bool dup = false;
        for (guint j = 0; j < out->len && !dup; j++) {
            dup = uf_find(g_ptr_array_index(out, j)) == rc;
        }
        if (!dup) {
            g_ptr_array_add(out, c);
        }
    }
    return out;
}

static void resolve_identities(MtreeImport *imp)
{
    g_autoptr(GHashTable) by_sig = g_hash_table_new_full(
        g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) todo = g_ptr_array_new();

    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        bool mr_root = !n->parent && !n->sec->is_as;

        n->uf_mr_root = mr_root;
        n->uf_as_root = !n->parent && n->sec->is_as;
        if (mr_root) {
            g_ptr_array_add(todo, n);
            continue;
        }
        GPtrArray *b = g_hash_table_lookup(by_sig, GUINT_TO_POINTER(n->sig));
        if (!b) {
            b = g_ptr_array_new();
            g_hash_table_insert(by_sig, GUINT_TO_POINTER(n->sig), b);
        }
        g_ptr_array_add(b, n);
    }
    /* an address-space root printed at a non-zero START is placed
     * somewhere: look for it among the placed regions */
    for (guint i = 0; i < imp->sections->len; i++) {
        Section *s = g_ptr_array_index(imp->sections, i);
        if (s->is_as && s->root->start != 0) {
            g_autoptr(GPtrArray) c = identity_candidates(by_sig, s->root, true);
            if (c->len >= 1) {
                if (c->len > 1) {
                    warn(imp, "line %u: root '%s' looks like %u placed "
                         "regions; took the one at line %u", s->root->line,
                         s->root->name, c->len,
                         ((Node *)g_ptr_array_index(c, 0))->line);
                }
                uf_unify(s->root, g_ptr_array_index(c, 0));
            }
        }
    }

    /* memory-region sections: settle the certain ones first, then guess */
    while (todo->len) {
        bool progress = true;

        while (progress) {
            progress = false;
            for (guint i = 0; i < todo->len;) {
                Node *r = g_ptr_array_index(todo, i);
                g_autoptr(GPtrArray) c = identity_candidates(by_sig, r, false);
                if (c->len <= 1) {
                    if (c->len == 1) {
                        uf_unify(g_ptr_array_index(c, 0), r);
                    }
                    g_ptr_array_remove_index(todo, i);
                    progress = true;
                } else {
                    i++;
                }
            }
        }
        if (todo->len) {
            Node *r = g_ptr_array_index(todo, 0);
            g_autoptr(GPtrArray) c = identity_candidates(by_sig, r, false);
            Node *pick = g_ptr_array_index(c, 0);
            warn(imp, "line %u: memory-region '%s' looks like %u regions "
                 "printed elsewhere; took the one at line %u", r->line,
                 r->name, c->len, pick->line);
            uf_unify(pick, r);
            g_ptr_array_remove_index(todo, 0);
        }
    }
}

static void build_objects(MtreeImport *imp)
{
    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        Node *r = uf_find(n);

        if (!r->obj) {
            Obj *o = g_new0(Obj, 1);
            o->rep = n;
            o->idx = imp->objs->len;
            o->size = n->size;
            o->prio = n->prio;
            o->addr = n->parent ? n->rel : n->start;
            g_ptr_array_add(imp->objs, o);
            r->obj = o;
        }
        n->obj = r->obj;
    }
    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        Obj *o = n->obj;

        if (n->parent) {
            Obj *p = n->parent->obj;
            if (!o->container) {
                o->container = p;
                o->addr = n->rel;
            } else if (o->container != p) {
                warn(imp, "line %u: '%s' is also printed in '%s' (line %u); "
                     "kept it in '%s'", n->line, n->name, n->parent->name,
                     n->parent->line, o->container->rep->name);
            }
        }
        if (!o->kids && o->rep == n) {
            o->kids = g_ptr_array_new();
            for (guint k = 0; k < n->kids->len; k++) {
                Node *c = g_ptr_array_index(n->kids, k);
                g_ptr_array_add(o->kids, uf_find(c)->obj);
            }
        }
    }
    /* children placed elsewhere (a warned inconsistency) leave the list */
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        for (guint k = 0; k < o->kids->len;) {
            Obj *c = g_ptr_array_index(o->kids, k);
            bool dup = false;
            for (guint j = 0; j < k && !dup; j++) {
                dup = g_ptr_array_index(o->kids, j) == c;
            }
            if (c->container != o || dup) {
                g_ptr_array_remove_index(o->kids, k);
            } else {
                k++;
            }
        }
    }
}

/* ---- alias targets ---------------------------------------------------- */

static bool target_fits(const Node *alias, const Node *troot)
{
    u128 need = (u128)alias->astart + (alias->tiny ? 0 : alias->size);

    return troot->type == alias->type && need <= troot->size;
}

static bool resolve_aliases(MtreeImport *imp, GError **errp)
{
    g_autoptr(GHashTable) queued = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    GPtrArray *mrs = g_ptr_array_new();
    guint next = 0;
    bool replay = true;
    bool seen_mr = false;

    for (guint i = 0; i < imp->sections->len; i++) {
        Section *s = g_ptr_array_index(imp->sections, i);
        if (!s->is_as) {
            g_ptr_array_add(mrs, s);
            seen_mr = true;
        } else if (seen_mr) {
            replay = false; /* not QEMU's order: sections were moved */
        }
    }

    for (guint i = 0; i < imp->nodes->len; i++) {
        Node *n = g_ptr_array_index(imp->nodes, i);
        Obj *o = n->obj;
        Section *pick = NULL;
        GPtrArray *qt;

        if (!n->is_alias || o->target) {
            continue;
        }
        while (next < mrs->len && ((Section *)mrs->pdata[next])->queued) {
            next++;
        }
        Section *nx = next < mrs->len ? mrs->pdata[next] : NULL;
        bool nx_ok = nx && strcmp(nx->mr_name, n->target) == 0;
        qt = g_hash_table_lookup(queued, n->target);

        if (replay && nx_ok && (!qt || !qt->len)) {
            pick = nx;
        } else if (replay && qt && qt->len && !nx_ok) {
            for (guint k = 0; k < qt->len && !pick; k++) {
                Section *c = qt->pdata[k];
                if (target_fits(n, c->root)) {
                    pick = c;
                }
            }
            if (!pick) {
                pick = qt->pdata[0];
            }
            if (qt->len > 1) {
                warn(imp, "line %u: alias '%s': %u memory-region sections "
                     "are named '%s'; took the one at line %u", n->line,
                     n->name, qt->len, n->target, pick->line);
            }
        } else if (replay && nx_ok) {
            /* a new target or one met before: prefer the new one, as
             * every section is some alias's first target */
            pick = target_fits(n, nx->root) ? nx : NULL;
            for (guint k = 0; k < qt->len && !pick; k++) {
                Section *c = qt->pdata[k];
                if (target_fits(n, c->root)) {
                    pick = c;
                }
            }
            if (!pick) {
                pick = nx;
            }
            warn(imp, "line %u: alias '%s': several memory-region sections "
                 "are named '%s'; took the one at line %u", n->line, n->name,
                 n->target, pick->line);
        } else {
            /* not QEMU's order: any section of that name */
            guint count = 0;
            Section *first = NULL;
            for (guint k = 0; k < mrs->len; k++) {
                Section *c = mrs->pdata[k];
                if (strcmp(c->mr_name, n->target) == 0) {
                    count++;
                    if (!first) {
                        first = c;
                    }
                    if (!pick && target_fits(n, c->root)) {
                        pick = c;
                    }
                }
            }
            if (!pick) {
                pick = first;
            }
            if (count > 1) {
                warn(imp, "line %u: alias '%s': %u memory-region sections "
                     "are named '%s'; took the one at line %u", n->line,
                     n->name, count, n->target, pick->line);
            }
        }

        if (pick) {
            o->target = pick->root->obj;
            pick->referenced = true;
            if (!pick->queued) {
                pick->queued = true;
                GPtrArray *q = g_hash_table_lookup(queued, pick->mr_name);
                if (!q) {
                    q = g_ptr_array_new();
                    g_hash_table_insert(queued, pick->mr_name, q);
                }
                g_ptr_array_add(q, pick);
            }
        } else {
            /* no section: a region of that name printed in a tree */
            for (guint k = 0; k < imp->nodes->len && !o->target; k++) {
                Node *c = g_ptr_array_index(imp->nodes, k);
                if (strcmp(c->name, n->target) == 0 && c->obj != o) {
                    o->target = c->obj;
                }
            }
            if (!o->target) {
                g_set_error(errp, MTREE_IMPORT_ERROR,
                            MTREE_IMPORT_ERROR_ALIAS,
                            "line %u: alias '%s' targets unknown region '%s' "
                            "(no memory-region section of that name: is "
                            "the dump cut short?)", n->line, n->name,
                            n->target);
                g_ptr_array_free(mrs, TRUE);
                return false;
            }
            warn(imp, "line %u: alias '%s': no memory-region section '%s'; "
                 "took the region of that name at line %u", n->line, n->name,
                 n->target, o->target->rep->line);
        }
        o->alias_offset = n->astart;
    }
    for (guint k = 0; k < mrs->len; k++) {
        Section *c = mrs->pdata[k];
        if (!c->referenced) {
            warn(imp, "line %u: memory-region '%s' is the target of no alias",
                 c->line, c->mr_name);
        }
    }
    g_ptr_array_free(mrs, TRUE);
    return true;
}

/* ---- kinds and sizes -------------------------------------------------- */

static bool hint_shows_at(MtreeImport *imp, const char *name, hwaddr addr)
{
    for (guint v = 0; imp->hint && v < imp->hint->len; v++) {
        HintView *hv = g_ptr_array_index(imp->hint, v);
        for (guint i = 0; i < hv->ranges->len; i++) {
            HintRange *r = &g_array_index(hv->ranges, HintRange, i);
            if (r->start <= addr && addr <= r->end &&
                strcmp(r->name, name) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool decide_kinds_and_sizes(MtreeImport *imp, GError **errp)
{
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        Node *n = o->rep;

        if (n->is_alias) {
            o->kind = K_ALIAS;
        } else {
            switch (n->type) {
            case T_RAM: o->kind = K_RAM; break;
            case T_ROM: o->kind = K_ROM; break;
            case T_ROMD: o->kind = K_ROMD; break;
            case T_RAMD: o->kind = K_RAMD; break;
            default:
                if (o->kids->len == 0) {
                    o->kind = o->force_container ? K_CONTAINER : K_IO;
                } else if (imp->hint) {
                    o->kind = g_hash_table_contains(imp->leaf_names, n->name)
                              ? K_IO : K_CONTAINER;
                } else {
                    o->kind = K_CONTAINER;
                }
            }
        }

        /* START == END: an alias is taken as empty (closed windows),
         * anything else as one byte (I/O ports); RAM cannot be empty */
        o->size = n->tiny ? (o->kind == K_ALIAS ? 0 : 1) : n->size;
        if (n->size == (u128)UINT64_MAX) {
            warn(imp, "line %u: '%s' has size 2^64-1, which the memory API "
                 "cannot make (UINT64_MAX means 2^64); made it 2^64", n->line,
                 n->name);
        }
    }
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        Node *n = o->rep;

        if (o->kind == K_ALIAS &&
            (u128)o->alias_offset + o->size > o->target->size) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_ALIAS,
                        "line %u: alias '%s' window %016" PRIx64 "-%016" PRIx64
                        " reaches past the end of '%s' (size 0x%" PRIx64 ")",
                        n->line, n->name, n->astart, n->aend,
                        o->target->rep->name, size64(o->target->size));
            return false;
        }
    }
    return true;
}

/* Warnings for guesses that the hint could not settle (or with no hint). */
static void warn_guesses(MtreeImport *imp)
{
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        Node *n = o->rep;

        if (n->type == T_IO && !n->is_alias && o->kids->len && !imp->hint) {
            warn(imp, "line %u: '%s' has subregions: taken as a container "
                 "(it may be a terminating region; give the `info mtree -f` "
                 "text to settle it)", n->line, n->name);
        }
        if (!n->tiny) {
            continue;
        }
        if (o->kind == K_ALIAS) {
            if ((u128)n->astart + 1 > o->target->rep->size) {
                continue; /* certain */
            }
            warn(imp, "line %u: alias '%s' prints START == END: taken as "
                 "size 0 (it may be 1)", n->line, n->name);
        } else if (o->kind == K_IO || o->kind == K_CONTAINER) {
            if (n->sec->is_as && hint_shows_at(imp, n->name, n->start)) {
                continue; /* the hint shows the byte */
            }
            warn(imp, "line %u: '%s' prints START == END: taken as size 1 "
                 "(it may be 0)", n->line, n->name);
        }
    }
}

/* Enabled, overlapping, equal-priority siblings at different addresses:
 * which one was added later is a guess without a hint. */
static void warn_overlaps(MtreeImport *imp)
{
    if (imp->hint) {
        return;
    }
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *c = g_ptr_array_index(imp->objs, i);
        for (guint a = 0; a < c->kids->len; a++) {
            Obj *x = g_ptr_array_index(c->kids, a);
            if (x->rep->disabled || x->size == 0) {
                continue;
            }
            for (guint b = a + 1; b < c->kids->len; b++) {
                Obj *y = g_ptr_array_index(c->kids, b);
                if (y->rep->disabled || y->size == 0 || y->prio != x->prio ||
                    y->addr == x->addr) {
                    continue;
                }
                /* printed by address: y starts at or after x */
                if ((u128)y->addr < (u128)x->addr + x->size) {
                    warn(imp, "line %u: '%s' and '%s' (line %u) overlap at "
                         "the same priority; took '%s' as the later one",
                         x->rep->line, x->rep->name, y->rep->name,
                         y->rep->line, x->rep->name);
                }
            }
        }
    }
}

/* ---- address-space order -------------------------------------------- */

static void plan_address_spaces(MtreeImport *imp)
{
    g_autoptr(GHashTable) queue = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    GPtrArray *file = g_ptr_array_new();

    for (guint i = 0; i < imp->sections->len; i++) {
        Section *s = g_ptr_array_index(imp->sections, i);
        if (!s->is_as) {
            continue;
        }
        for (guint k = 0; k < s->as_names->len; k++) {
            ASSpec *a = g_new0(ASSpec, 1);
            a->name = g_strdup(g_ptr_array_index(s->as_names, k));
            a->root = s->root->obj;
            a->sec = s;
            g_ptr_array_add(file, a);
        }
    }
    if (imp->hint) {
        /* (name, root) -> hinted entries, in hint order */
        for (guint v = 0; v < imp->hint->len; v++) {
            HintView *hv = g_ptr_array_index(imp->hint, v);
            for (guint k = 0; k < hv->spaces->len; k++) {
                HintAS *ha = &g_array_index(hv->spaces, HintAS, k);
                char *key = g_strconcat(ha->name, "\n", ha->root, NULL);
                GPtrArray *q = g_hash_table_lookup(queue, key);
                if (!q) {
                    q = g_ptr_array_new_with_free_func(g_free);
                    g_hash_table_insert(queue, g_strdup(key), q);
                }
                guint *slot = g_new(guint, 2);
                slot[0] = v;
                slot[1] = k;
                g_ptr_array_add(q, slot);
                g_free(key);
            }
        }
        for (guint i = 0; i < file->len; i++) {
            ASSpec *a = g_ptr_array_index(file, i);
            g_autofree char *key = g_strconcat(a->name, "\n",
                                               a->root->rep->name, NULL);
            GPtrArray *q = g_hash_table_lookup(queue, key);
            if (q && q->len) {
                guint *slot = g_ptr_array_index(q, 0);
                a->hint = g_ptr_array_index(imp->hint, slot[0]);
                a->hint_pos = slot[1];
                g_ptr_array_remove_index(q, 0);
            } else {
                warn(imp, "line %u: no FlatView of the hint lists address "
                     "space '%s' (root '%s')", a->sec->line, a->name,
                     a->root->rep->name);
            }
        }
    }
    /* in file order, but those sharing a hinted view in the hint's order */
    for (guint i = 0; i < file->len; i++) {
        ASSpec *a = g_ptr_array_index(file, i);
        ASSpec *best = a;

        if (a->emitted) {
            continue;
        }
        if (a->hint) {
            best = NULL;
            for (guint j = 0; j < file->len; j++) {
                ASSpec *b = g_ptr_array_index(file, j);
                if (!b->emitted && b->hint == a->hint &&
                    (!best || b->hint_pos < best->hint_pos)) {
                    best = b;
                }
            }
        }
        best->emitted = true;
        g_ptr_array_add(imp->as_specs, best);
        if (best != a) {
            i--; /* a is still to be placed */
        }
    }
    g_ptr_array_free(file, TRUE);
}

/* ---- creating the regions -------------------------------------------- */

/* The order of a container's children, newest first among equal
 * priorities: printed order, then the hint's constraints. */
static GPtrArray *child_order(Obj *c, const Constraint *extra)
{
    guint k = c->kids->len;
    GPtrArray *out = g_ptr_array_new();
    g_autofree guint *indeg = g_new0(guint, k);
    g_autofree bool *done = g_new0(bool, k);
    guint ncons = (c->cons ? c->cons->len : 0) + (extra ? 1 : 0);

#define KID(i) ((Obj *)g_ptr_array_index(c->kids, (i)))
#define CONS(j) ((extra && (j) == ncons - 1) ? extra \
                 : &g_array_index(c->cons, Constraint, (j)))
    for (guint i = 0; i < k; i++) {
        for (guint j = 0; j < i; j++) {
            if (KID(j)->addr == KID(i)->addr && KID(j)->prio == KID(i)->prio) {
                indeg[i]++;
            }
        }
        for (guint j = 0; j < ncons; j++) {
            if (CONS(j)->older == KID(i)) {
                indeg[i]++;
            }
        }
    }
    for (guint step = 0; step < k; step++) {
        guint pick = k;
        for (guint i = 0; i < k && pick == k; i++) {
            if (!done[i] && indeg[i] == 0) {
                pick = i;
            }
        }
        if (pick == k) {
            g_ptr_array_free(out, TRUE);
            return NULL; /* cycle */
        }
        done[pick] = true;
        g_ptr_array_add(out, KID(pick));
        for (guint i = pick + 1; i < k; i++) {
            if (KID(pick)->addr == KID(i)->addr &&
                KID(pick)->prio == KID(i)->prio) {
                indeg[i]--;
            }
        }
        for (guint j = 0; j < ncons; j++) {
            if (CONS(j)->newer == KID(pick)) {
                for (guint i = 0; i < k; i++) {
                    if (KID(i) == CONS(j)->older) {
                        indeg[i]--;
                    }
                }
            }
        }
    }
#undef KID
#undef CONS
    return out;
}

static bool place_children(Obj *c, GPtrArray *order, GError **errp)
{
    /* adding puts a region first among its priority: add oldest first */
    for (guint i = order->len; i-- > 0;) {
        Obj *kid = g_ptr_array_index(order, i);
        if (!memory_region_add_subregion_overlap(c->mr, kid->addr, kid->mr,
                                                 kid->prio, errp)) {
            g_prefix_error(errp, "line %u: ", kid->rep->line);
            return false;
        }
    }
    return true;
}

#define MAX_ALIAS_CHAIN 1024

/* Create alias @o after the aliases it goes through (targets first). */
static bool create_alias(MtreeImport *imp, Obj *o, GError **errp)
{
    g_autoptr(GPtrArray) chain = g_ptr_array_new();
    bool ok = true;

    for (Obj *c = o; c->kind == K_ALIAS && !c->mr; c = c->target) {
        if (c->visit) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_ALIAS,
                        "line %u: alias '%s' is part of an alias cycle",
                        c->rep->line, c->rep->name);
            ok = false;
            break;
        }
        if (chain->len == MAX_ALIAS_CHAIN) {
            g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_ALIAS,
                        "line %u: alias '%s' starts a chain of more than %d "
                        "aliases", o->rep->line, o->rep->name,
                        MAX_ALIAS_CHAIN);
            ok = false;
            break;
        }
        c->visit = 1;
        g_ptr_array_add(chain, c);
    }
    for (guint i = 0; i < chain->len; i++) {
        ((Obj *)g_ptr_array_index(chain, i))->visit = 0;
    }
    for (guint i = chain->len; ok && i-- > 0;) {
        Obj *c = g_ptr_array_index(chain, i);
        c->mr = memory_region_new_alias(c->rep->name, c->target->mr,
                                        c->alias_offset, size64(c->size),
                                        errp);
        if (!c->mr) {
            g_prefix_error(errp, "line %u: ", c->rep->line);
            if (errp && *errp) {
                (*errp)->domain = MTREE_IMPORT_ERROR;
                (*errp)->code = MTREE_IMPORT_ERROR_ALIAS;
            }
            ok = false;
        }
    }
    (void)imp;
    return ok;
}

static void teardown(MtreeImport *imp)
{
    memory_region_transaction_begin();
    for (guint i = imp->spaces->len; i-- > 0;) {
        address_space_destroy(g_ptr_array_index(imp->spaces, i));
    }
    g_ptr_array_set_size(imp->spaces, 0);
    for (guint i = imp->objs->len; i-- > 0;) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        if (o->mr && o->mr->container) {
            memory_region_del_subregion(o->mr->container, o->mr, NULL);
        }
    }
    memory_region_transaction_commit();
    /* only alias -> target references are left: they form no cycle */
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        if (o->mr) {
            memory_region_unref(o->mr);
            o->mr = NULL;
        }
    }
    if (imp->by_mr) {
        g_hash_table_remove_all(imp->by_mr);
    }
}

static bool instantiate(MtreeImport *imp, GError **errp)
{
    bool ok = false;

    memory_region_transaction_begin();
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        const char *name = o->rep->name;
        uint64_t sz = size64(o->size);

        switch (o->kind) {
        case K_CONTAINER:
            o->mr = memory_region_new_container(name, sz);
            break;
        case K_IO:
            o->mr = memory_region_new_io(NULL, NULL, name, sz);
            break;
        case K_RAM:
        case K_RAMD:
            o->mr = memory_region_new_ram(name, sz, NULL, errp);
            if (o->mr && o->kind == K_RAMD) {
                o->mr->ram_device = true;
            }
            break;
        case K_ROM:
            o->mr = memory_region_new_rom(name, sz, errp);
            break;
        case K_ROMD:
            o->mr = memory_region_new_rom_device(NULL, NULL, name, sz, errp);
            if (o->mr) {
                memory_region_rom_device_set_romd(o->mr, true);
            }
            break;
        case K_ALIAS:
            continue;
        }
        if (!o->mr) {
            g_prefix_error(errp, "line %u: ", o->rep->line);
            if (errp && *errp) {
                (*errp)->domain = MTREE_IMPORT_ERROR;
                (*errp)->code = MTREE_IMPORT_ERROR_CREATE;
            }
            goto out;
        }
    }
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        if (o->kind == K_ALIAS && !create_alias(imp, o, errp)) {
            goto out;
        }
    }
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        g_hash_table_insert(imp->by_mr, o->mr, o);
        if (o->rep->disabled) {
            memory_region_set_enabled(o->mr, false);
        }
        if (o->rep->nv) {
            memory_region_set_nonvolatile(o->mr, true);
        }
        if (o->made_readonly) {
            memory_region_set_readonly(o->mr, true);
        }
        if (!o->container) {
            if (o->addr) {
                memory_region_set_address(o->mr, o->addr);
            }
            if (o->prio) {
                memory_region_set_priority(o->mr, o->prio);
            }
        }
    }
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        if (!o->kids->len) {
            continue;
        }
        g_autoptr(GPtrArray) order = child_order(o, NULL);
        if (!order) {
            /* constraints are only kept when they order: cannot happen */
            order = g_ptr_array_ref(o->kids);
        }
        if (!place_children(o, order, errp)) {
            if (errp && *errp) {
                (*errp)->domain = MTREE_IMPORT_ERROR;
                (*errp)->code = MTREE_IMPORT_ERROR_CREATE;
            }
            goto out;
        }
    }
    for (guint i = 0; i < imp->as_specs->len; i++) {
        ASSpec *a = g_ptr_array_index(imp->as_specs, i);
        g_ptr_array_add(imp->spaces, address_space_new(a->root->mr, a->name));
    }
    ok = true;
out:
    memory_region_transaction_commit();
    if (!ok) {
        teardown(imp);
    }
    return ok;
}

/* ---- comparing with the hint ------------------------------------------ */

typedef struct Piece {
    u128 start, size;
    const char *name;
    hwaddr offset;
    const char *type;
    int prio;
    bool nv;
} Piece;

static GArray *our_pieces(AddressSpace *as)
{
    FlatView *fv = address_space_to_flatview(as);
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Piece));

    for (guint i = 0; fv && i < fv->nr; i++) {
        FlatRange *fr = &fv->ranges[i];
        Piece p = {
            .start = fr->start, .size = fr->size,
            .name = memory_region_name(fr->mr),
            .offset = fr->offset_in_region,
            .type = fr->readonly ? "rom" : memory_region_type_name(fr->mr),
            .prio = fr->mr->priority, .nv = fr->nonvolatile,
        };
        g_array_append_val(out, p);
    }
    return out;
}

static GArray *hint_pieces(HintView *hv)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Piece));

    for (guint i = 0; i < hv->ranges->len; i++) {
        HintRange *r = &g_array_index(hv->ranges, HintRange, i);
        Piece p = {
            .start = r->start, .size = (u128)(r->end - r->start) + 1,
            .name = r->name, .offset = r->offset, .type = type_word[r->type],
            .prio = r->prio, .nv = r->nv,
        };
        g_array_append_val(out, p);
    }
    return out;
}

static const Piece *piece_at(GArray *ps, guint *i, u128 p, u128 *next)
{
    while (*i < ps->len) {
        Piece *x = &g_array_index(ps, Piece, *i);
        if (x->start + x->size <= p) {
            (*i)++;
            continue;
        }
        if (x->start <= p) {
            *next = x->start + x->size;
            return x;
        }
        *next = x->start;
        return NULL;
    }
    *next = U128_2_64;
    return NULL;
}

static bool piece_same_at(const Piece *a, const Piece *b, u128 p)
{
    if (!a || !b) {
        return a == b;
    }
    return strcmp(a->name, b->name) == 0 &&
           a->offset + (hwaddr)(p - a->start) ==
               b->offset + (hwaddr)(p - b->start) &&
           strcmp(a->type, b->type) == 0 && a->prio == b->prio &&
           a->nv == b->nv;
}

/* First address where the two maps differ; false if they never do. */
static bool first_difference(GArray *ours, GArray *hint, u128 *at,
                             const Piece **po, const Piece **ph)
{
    guint i = 0, j = 0;
    u128 p = 0;

    while (p < U128_2_64) {
        u128 n1, n2;
        const Piece *a = piece_at(ours, &i, p, &n1);
        const Piece *b = piece_at(hint, &j, p, &n2);
        if (!piece_same_at(a, b, p)) {
            *at = p;
            *po = a;
            *ph = b;
            return true;
        }
        p = MIN(n1, n2);
    }
    return false;
}

/*
 * The path of regions QEMU's rendering goes through to reach what renders
 * at @a below @mr (placed at @base + mr->addr): disabled regions render
 * nothing; an alias goes on in its target; children are tried in list
 * order; a terminating region fills what its children leave. With
 * @want, any path to a leaf of that name is accepted instead of the first.
 */
typedef __int128 i128;

static bool find_path(MemoryRegion *mr, i128 base, u128 a, const char *want,
                      GPtrArray *path, guint depth)
{
    i128 start;

    if (!mr || !mr->enabled || depth > 2 * MAX_LEVEL + 64) {
        return false;
    }
    start = base + (i128)mr->addr;
    if ((i128)a < start || (i128)a >= start + (i128)mr->size) {
        return false;
    }
    g_ptr_array_add(path, mr);
    if (mr->alias) {
        i128 tbase = start - (i128)mr->alias->addr - (i128)mr->alias_offset;
        if (find_path(mr->alias, tbase, a, want, path, depth + 1)) {
            return true;
        }
        g_ptr_array_remove_index(path, path->len - 1);
        return false;
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *c = g_ptr_array_index(mr->subregions, i);
        guint len = path->len;
        if (find_path(c, start, a, want, path, depth + 1)) {
            return true;
        }
        g_ptr_array_set_size(path, len);
    }
    if (mr->terminates &&
        (!want || strcmp(memory_region_name(mr), want) == 0)) {
        return true;
    }
    g_ptr_array_remove_index(path, path->len - 1);
    return false;
}

static bool try_fix(MtreeImport *imp, ASSpec *spec, AddressSpace *as, u128 a,
                    const Piece *po, const Piece *ph)
{
    g_autoptr(GPtrArray) px = g_ptr_array_new();
    g_autoptr(GPtrArray) py = g_ptr_array_new();

    if (!po || !ph) {
        return false;
    }
    if (!find_path(as->root, 0, a, NULL, px, 0) || px->len == 0) {
        return false;
    }

    /* 2: readonly inherited from an alias or a container */
    if (strcmp(po->name, ph->name) == 0 &&
        po->offset + (hwaddr)(a - po->start) ==
            ph->offset + (hwaddr)(a - ph->start) &&
        strcmp(ph->type, "rom") == 0 && strcmp(po->type, "rom") != 0) {
        MemoryRegion *pick = NULL;
        for (guint k = px->len - 1; k-- > 0 && !pick;) {
            MemoryRegion *m = g_ptr_array_index(px, k);
            if (m->alias && !m->readonly) {
                pick = m;
            }
        }
        for (guint k = px->len - 1; k-- > 0 && !pick;) {
            MemoryRegion *m = g_ptr_array_index(px, k);
            if (!m->alias && !m->readonly) {
                pick = m;
            }
        }
        Obj *o = pick ? g_hash_table_lookup(imp->by_mr, pick) : NULL;
        if (!o) {
            return false;
        }
        o->made_readonly = true;
        memory_region_set_readonly(pick, true);
        return true;
    }

    /* 3: the order of equal-priority siblings */
    if (strcmp(po->name, ph->name) != 0 &&
        find_path(as->root, 0, a, ph->name, py, 0)) {
        guint k = 0;
        while (k < px->len && k < py->len &&
               g_ptr_array_index(px, k) == g_ptr_array_index(py, k)) {
            k++;
        }
        if (k == 0 || k >= px->len || k >= py->len) {
            return false;
        }
        MemoryRegion *cmr = g_ptr_array_index(px, k - 1);
        MemoryRegion *xmr = g_ptr_array_index(px, k);
        MemoryRegion *ymr = g_ptr_array_index(py, k);
        Obj *c = g_hash_table_lookup(imp->by_mr, cmr);
        Obj *x = g_hash_table_lookup(imp->by_mr, xmr);
        Obj *y = g_hash_table_lookup(imp->by_mr, ymr);
        if (!c || !x || !y || cmr->alias || x->prio != y->prio ||
            x->container != c || y->container != c) {
            return false;
        }
        Constraint con = { .newer = y, .older = x };
        g_autoptr(GPtrArray) order = child_order(c, &con);
        if (!order) {
            return false;
        }
        if (!c->cons) {
            c->cons = g_array_new(FALSE, FALSE, sizeof(Constraint));
        }
        g_array_append_val(c->cons, con);
        memory_region_transaction_begin();
        for (guint i = 0; i < c->kids->len; i++) {
            Obj *kid = g_ptr_array_index(c->kids, i);
            memory_region_del_subregion(c->mr, kid->mr, NULL);
        }
        bool ok = place_children(c, order, NULL);
        memory_region_transaction_commit();
        return ok;
    }
    (void)spec;
    return false;
}

static void describe(GString *s, const Piece *p)
{
    if (!p) {
        g_string_append(s, "nothing");
        return;
    }
    g_string_append_printf(s, "'%s' (%s, prio %d)", p->name, p->type, p->prio);
}

static void reconcile(MtreeImport *imp)
{
    guint budget = 4 * imp->objs->len + 64;
    bool progress = true;

    while (progress && budget) {
        progress = false;
        for (guint i = 0; i < imp->as_specs->len && budget; i++) {
            ASSpec *spec = g_ptr_array_index(imp->as_specs, i);
            AddressSpace *as = g_ptr_array_index(imp->spaces, i);
            if (!spec->hint || spec->gave_up) {
                continue;
            }
            g_autoptr(GArray) ours = our_pieces(as);
            g_autoptr(GArray) hint = hint_pieces(spec->hint);
            u128 at;
            const Piece *po, *ph;
            if (!first_difference(ours, hint, &at, &po, &ph)) {
                continue;
            }
            budget--;
            if (try_fix(imp, spec, as, at, po, ph)) {
                progress = true;
                break;
            }
            spec->gave_up = true;
            GString *msg = g_string_new(NULL);
            g_string_append_printf(msg, "line %u: address space '%s': the "
                                   "imported map differs from the hint (line "
                                   "%u) at 0x%" PRIx64 ": imported ",
                                   spec->sec->line, spec->name,
                                   spec->hint->line, (uint64_t)at);
            describe(msg, po);
            g_string_append(msg, ", hint ");
            describe(msg, ph);
            warn(imp, "%s", msg->str);
            g_string_free(msg, TRUE);
        }
    }
    /* the same views shared, with the same roots */
    g_autoptr(GHashTable) view_of = g_hash_table_new(g_direct_hash,
                                                     g_direct_equal);
    g_autoptr(GHashTable) hint_of = g_hash_table_new(g_direct_hash,
                                                     g_direct_equal);
    for (guint i = 0; i < imp->as_specs->len; i++) {
        ASSpec *spec = g_ptr_array_index(imp->as_specs, i);
        AddressSpace *as = g_ptr_array_index(imp->spaces, i);
        FlatView *fv = address_space_to_flatview(as);
        if (!spec->hint) {
            continue;
        }
        const char *root = fv && fv->root ? memory_region_name(fv->root)
                                          : NULL;
        if (g_strcmp0(root, spec->hint->root) != 0) {
            warn(imp, "line %u: address space '%s': the view's root is %s%s%s,"
                 " the hint (line %u) says %s%s%s", spec->sec->line,
                 spec->name, root ? "'" : "", root ? root : "(none)",
                 root ? "'" : "", spec->hint->line,
                 spec->hint->root ? "'" : "",
                 spec->hint->root ? spec->hint->root : "(none)",
                 spec->hint->root ? "'" : "");
        }
        FlatView *seen = g_hash_table_lookup(view_of, spec->hint);
        HintView *hseen = fv ? g_hash_table_lookup(hint_of, fv) : NULL;
        if ((seen && seen != fv) || (hseen && hseen != spec->hint)) {
            warn(imp, "line %u: address space '%s' %s a view with other "
                 "address spaces than in the hint (line %u)",
                 spec->sec->line, spec->name,
                 seen && seen != fv ? "does not share" : "shares",
                 spec->hint->line);
        }
        g_hash_table_insert(view_of, spec->hint, fv);
        if (fv) {
            g_hash_table_insert(hint_of, fv, spec->hint);
        }
    }
    /* same map, split differently: the rendering merged differently */
    for (guint i = 0; i < imp->as_specs->len; i++) {
        ASSpec *spec = g_ptr_array_index(imp->as_specs, i);
        AddressSpace *as = g_ptr_array_index(imp->spaces, i);
        if (!spec->hint || spec->gave_up) {
            continue;
        }
        g_autoptr(GArray) ours = our_pieces(as);
        g_autoptr(GArray) hint = hint_pieces(spec->hint);
        bool same = ours->len == hint->len;
        for (guint k = 0; same && k < ours->len; k++) {
            Piece *a = &g_array_index(ours, Piece, k);
            Piece *b = &g_array_index(hint, Piece, k);
            same = a->start == b->start && a->size == b->size;
        }
        if (!same) {
            warn(imp, "line %u: address space '%s': the imported map equals "
                 "the hint (line %u) but is cut into %u ranges, not %u",
                 spec->sec->line, spec->name, spec->hint->line, ours->len,
                 hint->len);
        }
    }
}

/* Childless i/o regions that render in our views under a name no hinted
 * view shows are containers. Returns how many were changed. */
static guint find_hidden_containers(MtreeImport *imp)
{
    guint changed = 0;

    for (guint i = 0; i < imp->spaces->len; i++) {
        ASSpec *spec = g_ptr_array_index(imp->as_specs, i);
        FlatView *fv = address_space_to_flatview(g_ptr_array_index(imp->spaces, i));
        if (!spec->hint) {
            continue;
        }
        for (guint k = 0; fv && k < fv->nr; k++) {
            Obj *o = g_hash_table_lookup(imp->by_mr, fv->ranges[k].mr);
            if (o && o->kind == K_IO && o->kids->len == 0 &&
                !g_hash_table_contains(imp->leaf_names, o->rep->name)) {
                o->force_container = true;
                o->kind = K_CONTAINER;
                changed++;
            }
        }
    }
    return changed;
}

/* ---- entry points ---------------------------------------------------- */

static MtreeImport *import_new(void)
{
    MtreeImport *imp = g_new0(MtreeImport, 1);

    imp->sections = g_ptr_array_new_with_free_func(section_free);
    imp->nodes = g_ptr_array_new_with_free_func(node_free);
    imp->objs = g_ptr_array_new_with_free_func(obj_free);
    imp->as_specs = g_ptr_array_new_with_free_func(as_spec_free);
    imp->spaces = g_ptr_array_new();
    imp->warnings = g_ptr_array_new_with_free_func(g_free);
    imp->by_mr = g_hash_table_new(g_direct_hash, g_direct_equal);
    return imp;
}

void mtree_import_free(MtreeImport *imp)
{
    if (!imp) {
        return;
    }
    teardown(imp);
    g_ptr_array_free(imp->as_specs, TRUE);
    g_ptr_array_free(imp->spaces, TRUE);
    g_ptr_array_free(imp->objs, TRUE);
    g_ptr_array_free(imp->nodes, TRUE);
    g_ptr_array_free(imp->sections, TRUE);
    g_ptr_array_free(imp->warnings, TRUE);
    if (imp->hint) {
        g_ptr_array_free(imp->hint, TRUE);
    }
    if (imp->leaf_names) {
        g_hash_table_destroy(imp->leaf_names);
    }
    g_hash_table_destroy(imp->by_mr);
    g_free(imp);
}

MtreeImport *mtree_import(const char *tree_text, const char *flat_hint,
                          GError **errp)
{
    MtreeImport *imp = import_new();

    if (!tree_text) {
        g_set_error(errp, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_TRUNCATED,
                    "line 1: empty dump");
        goto fail;
    }
    if (!parse_tree(imp, tree_text, errp) ||
        (flat_hint && !parse_hint(imp, flat_hint, errp)) ||
        !split_alias_names(imp, errp) || !compute_sizes(imp, errp)) {
        goto fail;
    }
    compute_signatures(imp);
    resolve_identities(imp);
    build_objects(imp);
    if (!resolve_aliases(imp, errp) || !decide_kinds_and_sizes(imp, errp)) {
        goto fail;
    }
    plan_address_spaces(imp);
    if (!instantiate(imp, errp)) {
        goto fail;
    }
    if (imp->hint) {
        for (int round = 0; round < 4 && find_hidden_containers(imp); round++) {
            teardown(imp);
            if (!instantiate(imp, errp)) {
                goto fail;
            }
        }
        reconcile(imp);
    }
    warn_guesses(imp);
    warn_overlaps(imp);
    return imp;

fail:
    mtree_import_free(imp);
    return NULL;
}

MtreeImport *mtree_import_files(const char *tree_path, const char *flat_path,
                                GError **errp)
{
    g_autofree char *tree = NULL;
    g_autofree char *flat = NULL;

    if (!g_file_get_contents(tree_path, &tree, NULL, errp)) {
        return NULL;
    }
    if (flat_path && !g_file_get_contents(flat_path, &flat, NULL, errp)) {
        return NULL;
    }
    return mtree_import(tree, flat, errp);
}

guint mtree_import_warning_count(const MtreeImport *imp)
{
    return imp->warnings->len;
}

const char *mtree_import_warning(const MtreeImport *imp, guint n)
{
    return n < imp->warnings->len ? g_ptr_array_index(imp->warnings, n) : NULL;
}

guint mtree_import_address_space_count(const MtreeImport *imp)
{
    return imp->spaces->len;
}

AddressSpace *mtree_import_address_space(const MtreeImport *imp, guint n)
{
    return n < imp->spaces->len ? g_ptr_array_index(imp->spaces, n) : NULL;
}

AddressSpace *mtree_import_find_address_space(const MtreeImport *imp,
                                              const char *name)
{
    for (guint i = 0; i < imp->spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(imp->spaces, i);
        if (g_strcmp0(as->name, name) == 0) {
            return as;
        }
    }
    return NULL;
}

MemoryRegion *mtree_import_find_region(const MtreeImport *imp,
                                       const char *name)
{
    for (guint i = 0; i < imp->objs->len; i++) {
        Obj *o = g_ptr_array_index(imp->objs, i);
        if (o->mr && strcmp(o->rep->name, name) == 0) {
            return o->mr;
        }
    }
    return NULL;
}
