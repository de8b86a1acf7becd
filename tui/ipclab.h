/* ipclab.h - the run's model, shared by every part of the ipclab program.
 *
 * Data flows one way each sample (docs/architecture.md):
 *   kernel (/proc, ioctl, borrowed fds...)  -> procfs.c, chan.c  -> model
 *   programs' trace lines (one pipe)        -> events.c          -> model
 *   model -> runner.c (the Lua scenario's waits), -> ui.c (the screen) and
 *   -> tlog() (the headless transcript, main.c)
 * There is one run per ipclab process, held in the global R (as redis's
 * `server`): the parts are small and all act on the same run.
 */
#ifndef IPCLAB_H
#define IPCLAB_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <termios.h>

#define IPCLAB_VERSION "0.1.0"

#define MAX_PROCS   24
#define MAX_CHANS   24
#define MAX_EVENTS  4096       /* timeline ring */
#define OUT_KEEP    16384      /* bytes of recent output kept per process */
#define SAMPLE_HZ   20
#define TRACE_FD    90         /* a program's trace and step descriptors */
#define STEP_FD     91
#define IN_KEEP     (1 << 20)  /* stdin bytes a scenario may queue for a process */

/* A process's signals from /proc/PID/status (sigmask.c): bit N-1 of a
 * mask is signal N. */
#define SIG_MAX     64
#define SIG_THREADS 8          /* other threads whose own pending are kept */
struct sigthread { pid_t tid; unsigned long long pending; };
struct sigstate {
    unsigned long long pending;     /* SigPnd: this (the main) thread's own */
    unsigned long long shared;      /* ShdPnd: the process's, what kill() makes */
    unsigned long long blocked, ignored, caught;   /* SigBlk, SigIgn, SigCgt */
    long queued, limit;             /* SigQ: queued for its real user ID / the limit */
    int threads;                    /* Threads: */
    int nthread;                    /* other threads with a signal of their own pending */
    struct sigthread thread[SIG_THREADS];
};

enum pstate { PS_RUNNING, PS_BUSY, PS_SLEEPING, PS_DISK, PS_STOPPED,
              PS_ZOMBIE, PS_EXITED };

struct proc {
    int used;
    pid_t pid;
    int pidfd;                  /* pidfd_open(pid): signals never reach a reused pid */
    int spawned;                /* started by ipclab (ours to reap), not adopted */
    int parent;                 /* index of the proc it descends from, or -1 */
    char name[32], lang[16], cmd[256];
    char comm[20];              /* the kernel's name at the last sample: changes at exec */
    /* The kernel's view at the last sample. */
    enum pstate state;
    char call[32];              /* system call it sleeps in, "" if none */
    int call_fd;                /* its descriptor argument, or -1 */
    char object[96];            /* what that descriptor is: pipe:[81234] */
    char wchan[64];
    /* Asleep in open() of a FIFO: the path (from its memory, as strace
     * reads it), its inode and the access it asks (O_RDONLY...). */
    char fifo_path[160];
    ino_t fifo_ino;
    int fifo_acc;
    double since;               /* when state, call or fd last changed */
    double running_t;           /* first sample of its current run of R, or 0 */
    enum pstate shown_state;    /* what the transcript said last */
    char shown_call[32];
    int shown_held;             /* ... and whether it was held in step mode */
    int pending;                /* samples the new state has lasted */
    /* Exit, from waitpid (or from /proc for descendants). */
    int exited;
    unsigned long exit_seq;     /* the order exits were seen in (1 the first); 0: unknown */
    char status[48];            /* "exit 0", "signal SIGPIPE" */
    /* Captured stdout+stderr, and stdin fed by the scenario. */
    int out_fd, in_fd;          /* in_fd: non-blocking; bytes wait in in_buf */
    unsigned long in_ino;       /* the inode of that input pipe (0: none): a
                                 * read on it is named as ipclab's, not the lesson's */
    char out[OUT_KEEP];
    size_t out_len;
    int out_dropped;            /* older output was dropped to keep the newest */
    char *in_buf;
    size_t in_len;
    int in_close;               /* close stdin once in_buf is written */
    /* Trace and step mode. */
    int step_fd;                /* write end of its step pipe, or -1 */
    int step_waiting;           /* it sits before a traced call */
    int step_event;             /* index of that before event, or -1 */
    double go_t;                /* when it was last let go (0: never) */
    unsigned long long go_runs; /* times it had had a CPU then (schedstat) */
    double slept_t;             /* first sample since the go that saw it
                                   asleep having run (see procfs_sample) */
    char open_call[32];         /* traced call entered and not left */
    double open_t;              /* when it was entered */
    double seen_t;              /* the time of its last sample (procfs_sample's t): the
                                   key of the state and signals told from it */
    int exiting;                /* its last sample found it exiting (PF_EXITING), not
                                   yet a zombie: nothing was taken from it */
    char open_data[40];         /* what it was about to send */
    char open_obj[64];          /* the object it named (a semaphore) */
    unsigned long nevents;
    int exit_pending;           /* reaped, its exit not told yet */
    int nofollow;               /* its descendants are not adopted (a compiler's) */
    long long before_tt, last_key;   /* its last before event's t=; its last key */
    int user_killed;            /* killed with the k key: a wait on it that
                                 * times out says so */
    int user_stopped;           /* stopped with the s key: the scenario's
                                   clock waits while it is (runner.c) */
    /* Signals, at the last sample (sigmask.c); what the transcript said
     * last and what the sample before saw (a change is told once it has
     * held for two samples). */
    struct sigstate sig;
    int sig_read;               /* sig holds a sample */
    char sig_told[200], sig_seen[200];
    int open_sig;               /* a traced kill/sigqueue entered: its signal, */
    long open_to, open_value;   /* target and value (the after line has none) */
    int open_has;
};

enum ctype { CH_PIPE, CH_FIFO, CH_SOCKPAIR, CH_SHM, CH_SEM, CH_MQ };
enum vtype { V_U8, V_U16, V_U32, V_U64, V_I32, V_I64 };

struct field { char name[24]; size_t off; enum vtype type; };

#define MAX_HOLDERS 8
struct holder { int proc, fd, acc; };   /* a process, its fd (-1: opening), O_ACCMODE */

struct chan {
    int used;
    enum ctype type;
    char label[32];
    int end[2];                 /* ipclab's own copies, -1 once closed */
    int handed[2];              /* given to a process: close at next wait */
    ino_t ino, ino2;            /* pipe or socket inode; a socketpair's other end */
    pid_t holder_pid;           /* who held it at the last sample */
    int holder_fd;
    char path[300];             /* FIFO path, or POSIX shm/sem name */
    int sysv;                   /* shm/sem named by a System V key */
    long key, index;
    int watched;
    struct field view[8];
    int nview;
    /* Sampled. */
    long level, capacity;       /* -1 when unknown; a queue: messages */
    long qbytes, msgsize;       /* a queue: bytes queued (POSIX: QSIZE), message size limit */
    /* A POSIX queue's mq_notify registration (its file's NOTIFY_PID, NOTIFY
     * and SIGNO fields): notify_pid 0 none, -1 unknown; notify_how
     * SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD; notify_signo for a signal. */
    pid_t notify_pid, shown_notify;
    int notify_how, notify_signo;
    /* A POSIX queue: the one last seen at its name (mqueue inode); once the
     * name is gone (mq_unlink), that queue while a process still holds it. */
    dev_t mq_dev;
    ino_t mq_ino;
    long gone_level, gone_capacity;     /* -1: no process holds it */
    char gone_holder[48];               /* "receiver fd 3" */
    unsigned char bytes[256];     /* the first bytes of a segment */
    size_t nbytes;
    long value;                 /* semaphore value, or -1 */
    long shown_level, shown_value, prev;
    /* Pipes and FIFOs: who holds which end, who waits in open() (holders.c). */
    int theirs;                 /* a FIFO the programs make, not ipclab */
    struct holder holders[MAX_HOLDERS], openers[MAX_HOLDERS];
    int nholders, nopeners, more;   /* more: descriptors past MAX_HOLDERS */
    char told_holders[160], seen_holders[160];
};

struct event {
    double t;
    int proc;                   /* index, or -1 for an untracked pid */
    pid_t pid;
    char ev;                    /* 'b' before, 'a' after, 'n' note, 's' state */
    unsigned long seq;
    char op[24];
    int fd;
    long len, ret;
    char err[16], obj[64], data[40], text[256];   /* text: a state told whole (a Unix socket's path) */
    int step;                   /* a before event that waits for go */
    long long tt;               /* the program's t=: CLOCK_MONOTONIC, microseconds */
    long long key;              /* when it took effect, for the order told (events.c) */
    /* Signals (docs/trace-protocol.md): sig=, to=, from=, value=. */
    int sig;                    /* 1-64, 0: none */
    long to, from, value;       /* valid when has & EV_TO, EV_FROM, EV_VALUE */
    int has;
};
#define EV_TO 1
#define EV_FROM 2
#define EV_VALUE 4
#define EV_SENT 8          /* a signal op's row is its before (events.c) */

enum wait_kind { W_NONE, W_SLEEP, W_UNTIL, W_STEP, W_PAUSE, W_DONE };

struct run {
    /* Where things are. */
    char root[512], bin[512], python[256], scenario[512], lesson[64];
    char dir[200];              /* the run's private directory, 0700 */
    long id;                    /* ipclab's pid: names are /ipclab-ID-name */
    unsigned gen;               /* run number (restarts): a handle's run */
    double t0;
    int headless, color, quit, restart, tour;
    double pace;                /* --pace: headless pauses last this long */
    long long seed;             /* --seed: math.random starts from it */
    FILE *record;
    char title[128];
    char yours[16];             /* "05/01": the exercise whose learner's file Yours ran */
    int show_signals;           /* scenario { signals = true }: every pane's masks */
    const char *argv0;          /* as the user typed it: commands ipclab prints */
    /* Model. */
    struct proc procs[MAX_PROCS];
    struct chan chans[MAX_CHANS];
    struct event events[MAX_EVENTS];
    unsigned long nevents;      /* total ever; ring index = n % MAX_EVENTS */
    int trace_r, trace_w;       /* the one trace pipe all programs write to */
    char narration[256];
    int expects, failed, errored;
    char error[512];            /* the scenario's error, file:line: reason */
    /* The scenario's current wait. */
    enum wait_kind wait;
    double deadline, wait_start;
    int wait_proc, wait_ref, timed_out, go;
    char wait_what[128];
};

extern struct run R;

/* main.c */
double now(void);
void tlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* text.c */
void scopy(char *dst, size_t size, const char *src);   /* bounded, always ends in NUL */
void clean_text(char *text, int keep_tab);  /* '?' for what is not printable UTF-8 */
void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* "ipclab: ..." on stderr */
/* sigmask.c: signals named, /proc/PID/status parsed and described (pure). */
const char *sig_name(int sig, char *buf, size_t len);   /* "SIGUSR1", "SIGRTMIN+3" */
int sig_number(const char *name);           /* "SIGUSR1", "USR1", "SIGRTMIN+3": 1-64; 0 */
void sig_list(unsigned long long set, int brief, char *buf, size_t len);
int sig_parse_status(const char *text, size_t len, struct sigstate *s);   /* 0, or -1: *s unchanged */
void sig_describe(const struct sigstate *s, const char *comm, int brief, int line,
                  char *buf, size_t len);
/* procfs.c: the kernel's view of one process. */
int procfs_signals(pid_t pid, struct sigstate *s);   /* 0, or -1: gone or unreadable */
int procfs_sample(struct proc *p, double t);  /* 0 read (or exiting: p->exiting), -1 gone */
unsigned long long procfs_runs(pid_t pid);
double procfs_cpu(pid_t pid);
int procfs_in_open(pid_t pid);
int procfs_polled_sockets(pid_t pid, int *fd, unsigned long *ino, int max, int *nfds);
const char *syscall_name(long nr);
int procfs_children(pid_t pid, pid_t *out, int max);
const char *pstate_name(enum pstate s);
int proc_held(const struct proc *p);
/* sample.c: what a scenario's query saw, into the transcript at once. */
void note_state(int i);
void note_signals(int i, int query);        /* its signals as read last; query: the count too */
void note_chan(struct chan *c);
void note_notify(struct chan *c);      /* a POSIX queue's mq_notify, when it changed */
/* Who is registered with mq_notify on POSIX queue c, in words: "none",
 * "receiver (pid 123), SIGUSR2", "receiver (pid 123), SIGEV_THREAD", or
 * "pid 99 (not of this run), ..."; "" when unknown. */
void notify_text(const struct chan *c, char *buf, size_t len);
void describe_proc(const struct proc *p, char *buf, size_t len);
const char *fifo_access(int acc);
int on_own_input(const struct proc *p);   /* its call is on the stdin pipe ipclab feeds */

/* spawn.c: starting, feeding, signalling and reaping processes. */
struct spawn_req {
    char *argv[64];
    int argc;
    const char *name, *lang;
    int fd_target[16], fd_source[16], nfds;   /* dup2(source, target) */
    int stdin_pipe;
    char *env[32];
    int nenv;
    int step;
    int nofollow;               /* follow = false: its descendants are not shown */
};
int spawn_proc(const struct spawn_req *req, char *err, size_t errlen);
int proc_free_slot(void);                   /* -1: every slot in use */
void proc_init(struct proc *p, pid_t pid, int parent);
int proc_alive(const struct proc *p);
/* story.c: what the scenario said and checked, for the narration area. */
enum story_kind { ST_SAY, ST_OK, ST_FAILED, ST_ERROR, ST_END };
void story_clear(void);
void story_add(enum story_kind kind, const char *text);
void story_end(void);                       /* the checks' tally, once the run ends */
void story_scroll(int dir);                 /* -1 older, +1 newer, by entry */
int story_scrolled(void);                   /* entries below the view; 0: following */
void story_step(void);                      /* a pause has ended: a new step begins */
int story_last_lines(int cols);             /* lines the current step's entries take */
int story_newer_mark(char *buf, size_t len); /* " N newer: Down " or "": its length */
size_t wrap_cells(const char *s, int w, size_t *skip);
size_t fit_cells(const char *s, int w, int *used);   /* whole characters in w cells */
/* adopt.c: descendants ipclab follows but did not spawn. */
int adopt_proc(pid_t pid, int parent);     /* parent -1: found from the kernel */
int adopt_ghost(pid_t pid);
void unique_name(struct proc *p);           /* "C" taken: "C 2" */                 /* traced, but gone before seen */
void proc_execed(struct proc *p);
void reap_children(void);
void read_outputs(void);
int proc_feed(int i, const char *s, size_t n);
void proc_close_stdin(int i);
void write_inputs(void);
int proc_signal(int i, int sig);
int proc_step_go(int i);
void stop_all(void);
int proc_index(pid_t pid);

/* chan.c: channels, their levels, and removing every object at the end. */
int chan_pipe(const char *label, char *err, size_t errlen);
int chan_fifo(const char *label, int make, char *err, size_t errlen);
int chan_socketpair(const char *label, int socktype, char *err, size_t errlen);
int chan_ipc(enum ctype type, const char *name, long key, long index);
void chan_sample(struct chan *c);
void chan_holders(struct chan *c);             /* holders.c */
void holders_text(const struct chan *c, char *buf, size_t len);
void note_holders(struct chan *c, int settle);  /* sample.c */
int decode_value(const struct chan *c, enum vtype t, size_t off, long long *out);
void chan_close_handed(void);
void chan_cleanup_all(void);
void ipcname(const char *name, char *out, size_t len);
long sysvkey(const char *name);
void registry_add(const char *kind, const char *what);
void clean_run_dir(const char *dir, long id);

/* traceline.c: trace bytes into lines, a line into an event; pure parsing
 * (no run, no clock), also run by the fuzz target tests/fuzz/fuzz_trace.c. */
struct lines {
    char buf[8192];             /* the start of a line not yet whole, and a NUL */
    size_t n;                   /* bytes held */
    int skipping;               /* in a line too long (over 8190 bytes): drop to its end */
};
/* Parse one line (changed in place) into *e (e->t and e->proc left 0).
 * Returns 1 when it is an event of a program (a pid > 0, ev before, after
 * or note), 0 when it is to be ignored. Numbers out of range are dropped. */
int trace_parse(char *line, struct event *e);
/* Where the next bytes of the stream go (*at), and how many fit. */
size_t lines_room(struct lines *b, char **at);
/* n bytes were written at lines_room's place: each whole line (ended by a
 * newline, whatever bytes it holds: a NUL ends what trace_parse reads) goes
 * to each(line, its length without the newline, arg), except a line over
 * 8190 bytes, dropped whole; the rest waits for more. */
void lines_added(struct lines *b, size_t n,
                 void (*each)(char *line, size_t len, void *arg), void *arg);

/* events.c: the trace pipe. */
int op_sends(const char *op);               /* write, send, store, post, msgsnd, kill */
int op_signals(const char *op);             /* kill, sigqueue, killpg, tgkill */
void who_pid(long pid, char *buf, size_t len);      /* "receiver pid 1234" */
void who_target(long to, char *buf, size_t len);    /* kill's pid: also "process group 12" */
void timeline_signals(int proc, const char *text);  /* its signals, told in order */
void events_drain(void);                    /* all, now */
void events_settle(void);                   /* what is HOLD_S old: the sampler */
double events_next(void);                   /* when a held line may be told, or 0 */
void proc_gone(struct proc *p);             /* spawn.c: reaped by its parent, to be told */
void tell_exit(int i);                      /* spawn.c: a reaped exit, told */
int reap_exiting(int i);                    /* spawn.c: reap a child that is exiting */
int procfs_exiting(pid_t pid);              /* procfs.c: PF_EXITING */
struct event *event_at(unsigned long n);
void timeline_state(int proc, const char *text, int held);   /* told when settled */
void timeline_now(int proc, const char *text);  /* an exit, in its place */

/* runner.c: the Lua scenario as a coroutine the event loop resumes. */
struct lua_State;
int runner_load(const char *path);
void runner_step(void);
void runner_close(void);
void killed_with_k(char *out, size_t len);  /* " (NAME killed with k: ...)" or "" */

/* sandbox.c: what a scenario may use, and stopping it whatever it does. */
struct lua_State *sandbox_new(void);
void sandbox_env(struct lua_State *S);
void sandbox_thread(struct lua_State *T);
void sandbox_waited(void);
void sandbox_close(void);
int sandbox_interrupted(void);
void sandbox_locate(struct lua_State *W, struct lua_State *S, int status);
void sandbox_error_text(struct lua_State *S, struct lua_State *W, char *out, size_t len);
void runner_interrupt(void);               /* async-signal-safe */
const char *sandbox_last_where(void);

/* signals.c: stop signals, SIGCHLD, and the watchdog (async-signal-safe
 * last resort when Lua does not let go). */
#define QUIT_KEY 255                       /* "signal" for q typed while Lua was stuck */
int signals_start(void);                   /* returns the fd the loop polls */
int signals_next(void);
int stop_requested(void);
int signals_fd(void);                      /* the self-pipe's read end */
void lua_enter(void);
void lua_leave(void);
int lua_wall_hit(void);
int scen_wait(struct lua_State *L, enum wait_kind kind, double timeout,
              long ctx, int (*k)(struct lua_State *, int, long));

/* api.c: the calls a scenario can make (docs/scenario-api.md). */
void api_register(struct lua_State *L);

/* sample.c: one sampling pass over processes and channels. */
void sample_all(void);

/* ui.c / menu.c */
int ui_start(void);
void ui_stop(void);
void say_too_small(const char *text);   /* ui.c: centred, wrapped between words */
void ui_emergency_restore(void);           /* async-signal-safe */
int ui_is_up(void);
int ui_saved_modes(struct termios *out);    /* the modes before the screen: 0, or -1 if down */
void ui_loading(const char *path);
int ui_frame(void);            /* draw and handle keys; 1 = quit */
int menu_choose(char *path, size_t len);
int list_lessons(const char *lesson);        /* ipclab list */
int brief_scenario(const char *brief, char *out, size_t len, char *why, size_t wlen);
int lesson_count(void);
int lesson_about(int i, const char **title, const char **summary);   /* its scenarios */
int lesson_is(int i, const char *name);
const char *lesson_unreadable(int i);       /* why its scenarios cannot be listed, or NULL */     /* 08, 08-shared-memory, shared-memory */
void lesson_scenario_path(int i, int s, char *out, size_t len);
int lesson_scenario_yours(int i, int s);    /* runs the learner's file: not in the tour */
int find_exercise(const char *brief, int *li, int *ei, char *why, size_t wlen);  /* 01/02 */
/* exercise.c: ipclab progress, hint, solution, reset. */
int progress_print(void);
int exercise_mark(int li, int e, char *mark, size_t len);   /* 2 done, 1 failing, 0 not tried */
int exercise_resume(int *li, int *step, int *done, int *all);  /* the first not done */
int exercise_cmd(const char *cmd, const char *brief, int yes);
/* skeleton.c: the skeleton of REL (a path in the kit) into fd; *from says
 * where it came from. 0, or -1 with why. */
int skeleton_into(const char *rel, int fd, char *why, size_t wlen, const char **from);
/* watch.c: ipclab watch LESSON/EXERCISE. */
int watch_exercise(const char *brief);
/* tour.c: ipclab tour [LESSON]. */
void tour_line(const char *line);
int tour(const char *lesson, int sig_fd);

/* janitor.c: the run's directory and objects, and cleaning them up on
 * every exit path, SIGKILL of ipclab included. */
int run_dir_create(char *err, size_t errlen);
int janitor_start(void);
void janitor_finish(void);
void janitor_now(void);                    /* async-signal-safe: clean, wait */
void janitor_screen(int on);               /* async-signal-safe */
pid_t janitor_pid_of(void);
int clean_leftovers(int verbose);

#endif
