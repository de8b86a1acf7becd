/* lessons.h - the lessons under lessons/ as lessons.c reads them, for the
 * menu (menu.c): each lesson's title and summary (README.md) and its steps
 * in order (the `steps` file, docs/lesson-format.md). */
#ifndef IPCLAB_LESSONS_H
#define IPCLAB_LESSONS_H

#define MAX_LESSONS 32
#define MAX_SCEN 16                 /* scenarios a lesson; exercises too */

enum step_kind { STEP_SCENARIO, STEP_EXERCISE };

struct step {
    enum step_kind kind;
    int index;                      /* into scen[] or ex[] */
};

struct exercise {
    char dir[64];                   /* exercises/DIR: 01-frame-reader */
    char title[96];                 /* its README's first heading */
    char edit[64];                  /* the file the learner edits */
    char run[64];                   /* the scenario that runs it, or "" */
};

struct lesson {
    char dir[64], title[96], summary[400];
    char scen[MAX_SCEN][64];        /* NAME.lua, in the steps' order */
    char stitle[MAX_SCEN][96], sabout[MAX_SCEN][300];
    int syours[MAX_SCEN];           /* it runs the learner's file (an exercise's run=) */
    int nscen;
    struct exercise ex[MAX_SCEN];
    int nex;
    struct step steps[2 * MAX_SCEN];
    int nsteps;
    int scen_errno;                 /* scenarios/ could not be read: why (not ENOENT) */
    char steps_error[200];          /* what is wrong with its steps file, or "" */
};

const struct lesson *lesson_at(int i);

#endif
