/* signame.c - see signame.h. */
#include "signame.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *signal_name(int sig)
{
    static char name[24];
    const char *abbrev;

    if (sig == SIGRTMIN)
        return "SIGRTMIN";
    if (sig > SIGRTMIN && sig <= SIGRTMAX)
        snprintf(name, sizeof name, "SIGRTMIN+%d", sig - SIGRTMIN);
    else if (sig > 0 && sig < SIGRTMIN && (abbrev = sigabbrev_np(sig)) != NULL)
        snprintf(name, sizeof name, "SIG%s", abbrev);
    else
        return "SIG?";
    return name;
}

/* "+3" or "-1" after RTMIN / RTMAX: a sign, then one or two digits. */
static int offset(const char *s, int *n)
{
    if ((s[0] != '+' && s[0] != '-') || s[1] < '0' || s[1] > '9' ||
        (s[2] != '\0' && (s[2] < '0' || s[2] > '9' || s[3] != '\0')))
        return 0;
    *n = atoi(s + 1) * (s[0] == '-' ? -1 : 1);
    return 1;
}

int signal_number(const char *name)
{
    int n = 0, sig = 0;

    if (strncmp(name, "SIG", 3) == 0)
        name += 3;
    if (strncmp(name, "RTMIN", 5) == 0 && (name[5] == '\0' || offset(name + 5, &n)))
        sig = SIGRTMIN + n;
    else if (strncmp(name, "RTMAX", 5) == 0 && (name[5] == '\0' || offset(name + 5, &n)))
        sig = SIGRTMAX + n;
    else
        for (int s = 1; s < SIGRTMIN; s++)
            if (sigabbrev_np(s) != NULL && strcmp(sigabbrev_np(s), name) == 0)
                return s;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : 0;
}
