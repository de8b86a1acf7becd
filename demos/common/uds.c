/* uds.c - see uds.h. */
#include "uds.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "rundir.h"

static const struct {
    const char *word;
    int type;
} types[] = { { "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM },
              { "seqpacket", SOCK_SEQPACKET } };

int uds_type(const char *word)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(word, types[i].word) == 0)
            return types[i].type;
    return -1;
}

const char *uds_type_name(int type)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].type == type)
            return types[i].word;
    return "?";
}

socklen_t uds_addr(const char *name, struct sockaddr_un *a)
{
    int abstract = name[0] == '@';
    const char *p = name + abstract;
    size_t len = strlen(p);

    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (len == 0)
        fail(2, abstract ? "@: an abstract name needs a name after the '@'"
                         : "the socket's path is empty");
    /* strncpy would cut a long path short without a word, and bind() would
     * make a socket at the shorter name: naive_uds_server.c shows it. */
    if (len >= sizeof a->sun_path)
        fail(2, "%s: %s of %zu bytes does not fit in sun_path (%zu bytes with its %s NUL:"
             " at most %zu)", name, abstract ? "an abstract name" : "a path", len,
             sizeof a->sun_path, abstract ? "leading" : "terminating", sizeof a->sun_path - 1);
    memcpy(a->sun_path + abstract, p, len);     /* an abstract name: sun_path[0] stays '\0' */
    /* A path's length counts its NUL; an abstract name's is exactly its
     * bytes, NULs and all: "@x" and "@x\0" would be two different names. */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

void uds_check_dir(const char *name, int ours)
{
    static char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
    const char *slash = strrchr(name, '/');
    struct stat st;

    if (name[0] == '@')         /* no file, no directory: anyone may connect */
        return;
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == name ? 1 : (int)(slash - name), name);
    if (ours) {                 /* we make the socket file: ours, 0700 */
        private_dir(dir, &st);
        return;
    }
    if (lstat(dir, &st) == -1)
        die("lstat %s", dir);
    if (!S_ISDIR(st.st_mode))
        fail(1, "%s: %s, not a directory", dir, file_kind(st.st_mode));
    if ((st.st_mode & 077) != 0)    /* others could put a socket of theirs at the name */
        fail(1, "%s: mode %04o, not 0700: not a private directory", dir,
             (unsigned)st.st_mode & 07777);
}

/* The socket file a signal removes, set once bind() has made it, and its
 * device and inode then. */
static const char *volatile to_remove;
static dev_t made_dev;
static ino_t made_ino;

int uds_unlink_ours(const char *path)
{
    struct stat st;

    if (lstat(path, &st) == -1)
        return errno == ENOENT ? 0 : -1;
    if (st.st_dev != made_dev || st.st_ino != made_ino)
        return 1;               /* another file now: not ours to remove */
    return unlink(path) == -1 ? -1 : 0;
}

/* What a signal removes: our socket file, if it is still ours. */
static void remove_ours(void)
{
    const char *path = to_remove;

    if (path != NULL)
        uds_unlink_ours(path);
}

void uds_remove_on_signal(const char *path)
{
    struct stat st;

    to_remove = NULL;           /* the identity first, then the path */
    if (path != NULL) {
        if (lstat(path, &st) == -1)
            die("lstat %s", path);
        made_dev = st.st_dev;
        made_ino = st.st_ino;
    }
    to_remove = path;
    remove_on_ending_signals(remove_ours);
}
