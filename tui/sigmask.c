/* sigmask.c - a process's signals as the kernel shows them in
 * /proc/PID/status (proc(5)): SigQ (signals queued for its real user ID,
 * and that user's limit, RLIMIT_SIGPENDING), SigPnd (pending for this
 * thread), ShdPnd (pending for the whole process: what kill() makes),
 * SigBlk, SigIgn, SigCgt (blocked, ignored, caught): 64-bit hex masks,
 * bit N-1 for signal N. Parsed, named and described here; pure text, no
 * system call, so a fuzz target (tests/fuzz/fuzz_sigmask.c) runs it on
 * any bytes. procfs.c reads the files, sample.c and api_objects.c use it.
 *
 * Names: 1-31 by their standard names (SIGUSR1), 32 and 33 as SIG32 and
 * SIG33 (glibc keeps them for its threads, never a program's: glibc's and
 * Python's SIGRTMIN is 34), 34 SIGRTMIN, 35-63 SIGRTMIN+1 ... SIGRTMIN+29,
 * 64 SIGRTMAX. */
#include "ipclab.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define RTMIN_HERE 34           /* glibc's SIGRTMIN: 32 and 33 are its own */

/* "SIGUSR1", "SIGRTMIN+3", "SIG32"; "?" for a number out of 1-64. */
const char *sig_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sig >= 1 && sig < 32 ? sigabbrev_np(sig) : NULL;
    if (abbrev)
        snprintf(buf, len, "SIG%s", abbrev);
    else if (sig == 32 || sig == 33 || (sig >= 1 && sig < 32))
        snprintf(buf, len, "SIG%d", sig);
    else if (sig == RTMIN_HERE)
        snprintf(buf, len, "SIGRTMIN");
    else if (sig > RTMIN_HERE && sig < SIG_MAX)
        snprintf(buf, len, "SIGRTMIN+%d", sig - RTMIN_HERE);
    else if (sig == SIG_MAX)
        snprintf(buf, len, "SIGRTMAX");
    else
        snprintf(buf, len, "?");
    return buf;
}

/* A small decimal number of 1 to 2 digits, the whole of s. */
static int small_number(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || (s[1] && (s[1] < '0' || s[1] > '9' || s[2])))
        return -1;
    return s[1] ? (s[0] - '0') * 10 + (s[1] - '0') : s[0] - '0';
}

/* The number of a signal named "SIGUSR1" or "USR1", "SIGRTMIN",
 * "SIGRTMIN+3", "SIGRTMAX", "SIGRTMAX-2", "SIG32"; 0 for anything else
 * (a bare number is no name). */
int sig_number(const char *name)
{
    char buf[24];
    if (strncmp(name, "SIG", 3) == 0)
        name += 3;
    if (strlen(name) >= sizeof buf - 4)
        return 0;
    if (strncmp(name, "RTMIN", 5) == 0 || strncmp(name, "RTMAX", 5) == 0) {
        int base = name[4] == 'N' ? RTMIN_HERE : SIG_MAX, n = 0;
        if (name[5] == '+' || name[5] == '-') {
            n = small_number(name + 6);
            if (n <= 0)
                return 0;               /* "RTMIN+0", "RTMIN+x", "RTMIN+" */
            n = name[5] == '+' ? n : -n;
        } else if (name[5]) {
            return 0;
        }
        return base + n >= RTMIN_HERE && base + n <= SIG_MAX ? base + n : 0;
    }
    for (int s = 1; s <= 33; s++) {
        sig_name(s, buf, sizeof buf);
        if (strcmp(buf + 3, name) == 0)
            return s;
    }
    return 0;
}

/* The names of a set, separated by spaces, without "SIG" when brief
 * ("USR1 RTMIN"), in as much of buf as fits (a name is never cut); 32 and
 * 33 as "SIG32(glibc)", "SIG33(glibc)": glibc's threads use them. A set
 * of more than 32 is said by what it lacks: "all but SIGKILL SIGSTOP". */
void sig_list(unsigned long long set, int brief, char *buf, size_t len)
{
    size_t o = 0;
    char name[24];
    if (len == 0)
        return;
    buf[0] = '\0';
    /* More than half: what is not in it ("all but SIGKILL SIGSTOP ...",
     * sigfillset then sigprocmask: the kernel never blocks those two). */
    int count = __builtin_popcountll(set), but = count > SIG_MAX / 2;
    if (but) {
        o = (size_t)snprintf(buf, len, "%s", count == SIG_MAX ? "all" : "all but");
        if (o >= len)
            o = len - 1;
        set = ~set;
    }
    for (int s = 1; s <= SIG_MAX; s++) {
        if (!(set >> (s - 1) & 1))
            continue;
        const char *n = sig_name(s, name, sizeof name) + (brief ? 3 : 0);
        if (s == 32 || s == 33)         /* glibc's own, said so */
            n = s == 32 ? "SIG32(glibc)" : "SIG33(glibc)";
        size_t need = strlen(n) + (o ? 1 : 0);
        if (o + need >= len)
            break;
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", n);
    }
}

/* A mask's value: exactly 16 hex digits, then the line's end. */
static int mask_value(const char *v, const char *end, unsigned long long *out)
{
    unsigned long long m = 0;
    if (end - v != 16)
        return -1;
    for (; v < end; v++) {
        int c = (unsigned char)*v, d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
                c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        m = m << 4 | (unsigned)d;
    }
    *out = m;
    return 0;
}

/* Decimal digits only, 1 to 18 of them, from v up to stop. */
static long decimal(const char *v, const char *stop)
{
    long n = 0;
    if (v == stop || stop - v > 18)
        return -1;
    for (; v < stop; v++) {
        if (*v < '0' || *v > '9')
            return -1;
        n = n * 10 + (*v - '0');
    }
    return n;
}

/* The status file's text (len bytes, any bytes) into *s: every one of
 * the six lines once, each well-formed, or *s is left as it was and -1
 * returned. A key counts only at a line's start; what follows its ':' is
 * tabs or spaces, then the value, then the line's end. Threads: is read
 * too (1 when absent: a task's own status has it as well). */
int sig_parse_status(const char *text, size_t len, struct sigstate *s)
{
    static const char *const keys[] = { "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn",
                                        "SigCgt", "Threads" };
    unsigned long long mask[6] = { 0 };
    long queued = -1, limit = -1, threads = 1;
    int seen = 0;

    for (size_t at = 0; at < len;) {
        const char *line = text + at, *nl = memchr(line, '\n', len - at);
        const char *end = nl ? nl : text + len;
        at = (size_t)(end - text) + 1;
        const char *colon = memchr(line, ':', (size_t)(end - line));
        if (colon == NULL)
            continue;
        int k = -1;
        for (int j = 0; j < 7; j++)
            if ((size_t)(colon - line) == strlen(keys[j]) && memcmp(line, keys[j], strlen(keys[j])) == 0)
                k = j;
        if (k < 0)
            continue;
        if (seen & 1 << k)
            return -1;                  /* twice: not the kernel's file */
        seen |= 1 << k;
        const char *v = colon + 1;
        while (v < end && (*v == '\t' || *v == ' '))
            v++;
        if (k == 0) {                   /* SigQ: queued/limit */
            const char *slash = memchr(v, '/', (size_t)(end - v));
            if (slash == NULL || (queued = decimal(v, slash)) < 0 ||
                (limit = decimal(slash + 1, end)) < 0)
                return -1;
        } else if (k == 6) {
            if ((threads = decimal(v, end)) < 1)
                return -1;
        } else if (mask_value(v, end, &mask[k - 1]) == -1) {
            return -1;
        }
    }
    if ((seen & 0x3f) != 0x3f)
        return -1;                      /* a line missing */
    s->queued = queued;
    s->limit = limit;
    s->pending = mask[0];
    s->shared = mask[1];
    s->blocked = mask[2];
    s->ignored = mask[3];
    s->caught = mask[4];
    s->threads = (int)(threads > 1 << 20 ? 1 << 20 : threads);
    s->nthread = 0;
    return 0;
}

/* What a program's runtime sets for itself, not its own code, left out
 * of what is shown (the screen, the transcript) until anything else
 * shows: glibc's handlers of 32 and 33 (thread cancellation, set*id in
 * every thread), Python's SIGINT handler (KeyboardInterrupt) and its
 * ignored SIGPIPE and SIGXFSZ; a shell's SIGCHLD, caught and blocked
 * while it waits for a command (and SIGINT, caught while it waits).
 * comm: the kernel's name of the program. */
static void runtime_own(const char *comm, unsigned long long *caught,
                        unsigned long long *ignored, unsigned long long *blocked)
{
#define BIT(sig) (1ULL << ((sig) - 1))
    /* 32 and 33 are glibc's whatever their disposition: caught by its
     * handlers, or ignored from birth (GNU make's children have both
     * SIG_IGN, and exec keeps that). */
    *caught = *ignored = BIT(32) | BIT(33);
    *blocked = 0;
    if (strncmp(comm, "python3", 7) == 0) {
        *caught |= BIT(SIGINT);
        *ignored |= BIT(SIGPIPE) | BIT(SIGXFSZ);
    } else if (!strcmp(comm, "sh") || !strcmp(comm, "dash") || !strcmp(comm, "bash")) {
        *caught |= BIT(SIGCHLD) | BIT(SIGINT);
        *blocked = BIT(SIGCHLD);
    }
#undef BIT
}

static size_t add(char *buf, size_t len, size_t o, const char *label, const char *names)
{
    if (o >= len)
        return o;
    int n = snprintf(buf + o, len - o, "%s%s %s", o ? "; " : "", label, names);
    return n < 0 ? o : o + (size_t)n;
}

/* What is worth saying of s, for a program named comm: the transcript's
 * words (brief 0: "shared pending SIGUSR1; blocked SIGUSR1; queued 1/96551")
 * or the screen's two lines (brief 1: line 0 what is pending, "pending
 * USR1 | thread USR2; queued 2/96551", "pending (thread) USR2" when only a
 * thread has one; line 1 the masks, "blocked USR1; caught TERM"). "" when there is nothing beyond the runtime's own: no
 * signal pending, none blocked, caught or ignored by the program itself.
 * Caught and ignored are shown whole once they hold anything else; a
 * queue count only while something is pending (it counts every process
 * of the user). */
void sig_describe(const struct sigstate *s, const char *comm, int brief, int line,
                  char *buf, size_t len)
{
    char names[400], label[40];
    unsigned long long own_c, own_i, own_b, threads = s->pending;
    size_t o = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    runtime_own(comm, &own_c, &own_i, &own_b);
    for (int t = 0; t < s->nthread && t < SIG_THREADS; t++)
        threads |= s->thread[t].pending;
    int pending = s->shared || threads;
    if (!brief || line == 0) {
        if (brief) {                    /* shared first: what kill() makes */
            if (s->shared) {
                sig_list(s->shared, 1, names, sizeof names);
                o = add(buf, len, o, "pending", names);
            }
            if (threads) {
                sig_list(threads, 1, names, sizeof names);
                if (o < len)
                    o += (size_t)snprintf(buf + o, len - o, "%s%s",
                                          o ? " | thread " : "pending (thread) ", names);
            }
        } else {
            if (s->pending) {
                sig_list(s->pending, 0, names, sizeof names);
                o = add(buf, len, o, "pending", names);
            }
            for (int t = 0; t < s->nthread && t < SIG_THREADS; t++) {
                sig_list(s->thread[t].pending, 0, names, sizeof names);
                snprintf(label, sizeof label, "thread %ld pending", (long)s->thread[t].tid);
                o = add(buf, len, o, label, names);
            }
            if (s->shared) {
                sig_list(s->shared, 0, names, sizeof names);
                o = add(buf, len, o, "shared pending", names);
            }
        }
        if (brief && pending && s->queued >= 0 && o < len)
            o += (size_t)snprintf(buf + o, len - o, "; queued %ld/%ld", s->queued, s->limit);
        if (brief)
            return;
    }
    int odd_c = (s->caught & ~own_c) != 0, odd_i = (s->ignored & ~own_i) != 0;
    if (s->blocked & ~own_b || (pending && s->blocked)) {
        sig_list(s->blocked, brief, names, sizeof names);
        o = add(buf, len, o, "blocked", names);
    }
    unsigned long long glibc = 3ULL << 31;  /* 32 and 33: not the program's doing */
    if (odd_c) {
        sig_list(s->caught & ~glibc, brief, names, sizeof names);
        o = add(buf, len, o, "caught", names);
    }
    if (odd_i) {
        sig_list(s->ignored & ~glibc, brief, names, sizeof names);
        o = add(buf, len, o, "ignored", names);
    }
    if (!brief && pending && s->queued >= 0 && o < len)
        snprintf(buf + o, len - o, "; queued %ld/%ld", s->queued, s->limit);
}
