/* ui.h - what the screen's files share (ui.c, views.c, story.c); curses.h
 * comes first. */
#ifndef IPCLAB_UI_H
#define IPCLAB_UI_H

#define MIN_COLS 80
#define MIN_LINES 24

/* Colour pairs; without colour each has a monochrome attribute instead. */
enum { C_TITLE = 1, C_RUN, C_SLEEP, C_STOP, C_DEAD, C_BAR, C_KEY, C_SEL };

attr_t look(int pair, attr_t mono);         /* the pair's colour, or mono */
void put(int y, int x, int w, attr_t a, const char *s);  /* w columns, padded */
int nprocs(int *idx);                       /* shown processes, in order of appearance */
int draw_procs(int y, int selected);        /* returns the next free row */
int draw_chans(int y);
int chan_rows(void);                        /* the rows draw_chans takes */
void draw_timeline(int y, int rows);
enum scroll { SCROLL_UP, SCROLL_DOWN, SCROLL_HOME, SCROLL_END };
void timeline_scroll(enum scroll how);      /* PgUp, PgDn, Home, End */
unsigned long timeline_newer(void);         /* events below the view; 0: following */
/* outview.c: one process's whole output, over the screen (key o). */
void outview_open(int slot);
int outview_is_open(void);
void outview_key(int ch);                   /* scroll keys scroll, any other closes */
void outview_draw(void);
/* story.c: the narration area on h rows from y; look(kind): its attributes. */
void story_draw(int y, int h, int cols, attr_t (*look)(enum story_kind));

#endif
