/* api_programs.c - the programs a scenario spawns: C "name" (a lesson
 * program in the kit's bin folder), Python "file.py" (a Python peer) and
 * Yours "exercise" (the learner's own file of an exercise, built into the
 * run's folder when it is C). Each is a table spawn takes as its first
 * element: { path, [script], lang =, name = } (docs/scenario-api.md). */
#include "ipclab.h"
#include "api.h"
#include "lessons.h"

#include <errno.h>
#include <glob.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void push_program(lua_State *L, const char *lang, const char *name,
                         const char *exe, const char *script)
{
    lua_newtable(L);
    lua_pushstring(L, exe);
    lua_rawseti(L, -2, 1);
    if (script) {
        lua_pushstring(L, script);
        lua_rawseti(L, -2, 2);
    }
    lua_pushstring(L, lang);
    lua_setfield(L, -2, "lang");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
}

static int l_C(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", R.bin, name);
    if (strchr(name, '/') || (access(path, X_OK) != 0 && errno == ENOENT))
        return luaL_error(L, "no program %s (run make to build the demos)", path);
    if (access(path, X_OK) != 0)
        return luaL_error(L, "program %s: %s", path, strerror(errno));
    push_program(L, "C", name, path, NULL);
    return 1;
}

static int l_Python(lua_State *L)
{
    char path[1024];
    if (lua_isnone(L, 1)) {                 /* the interpreter alone */
        push_program(L, "Python", "python", R.python, NULL);
        return 1;
    }
    const char *file = luaL_checkstring(L, 1);
    if (!strchr(file, '/') && !R.lesson[0]) {   /* a scenario outside lessons/ */
        glob_t g = { 0 };
        snprintf(path, sizeof path, "%s/python_peers/*/%s", R.root, file);
        int found = glob(path, 0, NULL, &g) == 0;
        const char *lesson = found ? g.gl_pathv[0] + strlen(R.root) + strlen("/python_peers/") : "";
        snprintf(path, sizeof path, "%.*s", (int)strcspn(lesson, "/"), lesson);
        globfree(&g);           /* whatever glob() returned */
        return luaL_error(L, "Python \"%s\": this scenario is in no lesson's folder: name the"
                          " peer with its lesson's, Python \"%s/%s\"", file,
                          found ? path : "NN-lesson", file);
    }
    if (strchr(file, '/'))
        snprintf(path, sizeof path, "%s/python_peers/%s", R.root, file);
    else
        snprintf(path, sizeof path, "%s/python_peers/%s/%s", R.root, R.lesson, file);
    if (access(path, R_OK) != 0)
        return errno == ENOENT ? luaL_error(L, "no Python peer %s", path)
                               : luaL_error(L, "Python peer %s: %s", path, strerror(errno));
    push_program(L, "Python", strrchr(path, '/') + 1, R.python, path);
    return 1;
}

/* Yours "01-frame-reader": the learner's own file of that exercise of this
 * scenario's lesson (its steps line names the file), in place of the
 * kit's program. Python: run as it is. C: the program table's `build` is
 * the compiler's command line (the kit's flags, demos/common), to spawn and
 * wait for before the program itself; it builds into the run's private
 * folder, never into the learner's. */
static int l_Yours(lua_State *L)
{
    const char *folder = luaL_checkstring(L, 1);
    char brief[200], why[600], path[PATH_MAX], out[PATH_MAX], name[96];
    int li, ei;
    snprintf(brief, sizeof brief, "%s/%s", R.lesson, folder);
    if (strchr(folder, '/') || find_exercise(brief, &li, &ei, why, sizeof why) == -1)
        return luaL_error(L, "Yours %s: no such exercise in lesson %s", folder, R.lesson);
    const struct lesson *l = lesson_at(li);
    const struct exercise *x = &l->ex[ei];
    size_t n = strlen(x->edit);
    snprintf(R.yours, sizeof R.yours, "%.2s/%.2s", l->dir, x->dir);     /* said at the end */
    snprintf(path, sizeof path, "%s/lessons/%s/exercises/%s/%s", R.root, l->dir, x->dir, x->edit);
    if (access(path, R_OK) != 0 && errno == ENOENT)
        return luaL_error(L, "your %s is missing: %s reset %s/%s brings the skeleton back",
                          x->edit, R.argv0 ? R.argv0 : "ipclab", R.lesson, folder);
    if (access(path, R_OK) != 0)
        return luaL_error(L, "Yours %s: %s: %s", folder, path, strerror(errno));
    snprintf(name, sizeof name, "your %.*s", (int)(n > 3 && !strcmp(x->edit + n - 3, ".py") ? n
             : n > 2 && !strcmp(x->edit + n - 2, ".c") ? n - 2 : n), x->edit);
    if (n > 3 && !strcmp(x->edit + n - 3, ".py")) {
        push_program(L, "Python", name, R.python, path);
        return 1;
    }
    if (!(n > 2 && !strcmp(x->edit + n - 2, ".c")))
        return luaL_error(L, "Yours %s: %s is neither C nor Python", folder, x->edit);
    snprintf(out, sizeof out, "%s/yours-%.*s", R.dir, (int)(n - 2), x->edit);
    push_program(L, "C", name, out, NULL);
    /* build = { "cc", flags..., FILE.c, the demos/common sources, "-o", OUT, name = "cc" } */
    const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
    const char *flags[] = { "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
                            "-fdiagnostics-color=never" };   /* words, not escapes */
    char inc[PATH_MAX + 4], pat[PATH_MAX];
    int k = 1;
    lua_newtable(L);
    lua_pushstring(L, cc);
    lua_rawseti(L, -2, k++);
    for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
        lua_pushstring(L, flags[f]);
        lua_rawseti(L, -2, k++);
    }
    snprintf(inc, sizeof inc, "-I%s/demos/common", R.root);
    lua_pushstring(L, inc);
    lua_rawseti(L, -2, k++);
    lua_pushstring(L, path);
    lua_rawseti(L, -2, k++);
    glob_t g;
    snprintf(pat, sizeof pat, "%s/demos/common/*.c", R.root);
    if (glob(pat, 0, NULL, &g) == 0) {
        for (size_t f = 0; f < g.gl_pathc && k < 40; f++) {
            lua_pushstring(L, g.gl_pathv[f]);
            lua_rawseti(L, -2, k++);
        }
        globfree(&g);
    }
    lua_pushstring(L, "-o");
    lua_rawseti(L, -2, k++);
    lua_pushstring(L, out);
    lua_rawseti(L, -2, k++);
    lua_pushstring(L, "cc");
    lua_setfield(L, -2, "name");
    lua_pushboolean(L, 0);                  /* cc1, as, ld: no panes of their own */
    lua_setfield(L, -2, "follow");
    lua_setfield(L, -2, "build");
    return 1;
}

/* Into the table on the top of the stack (the scenario's environment). */
void api_programs_register(lua_State *L)
{
    static const luaL_Reg fns[] = { { "C", l_C }, { "Python", l_Python }, { "Yours", l_Yours },
                                    { NULL, NULL } };
    luaL_setfuncs(L, fns, 0);
}
