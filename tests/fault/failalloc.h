/* Allocation-failure injection (failalloc.c). */
#ifndef XCV_FAILALLOC_H
#define XCV_FAILALLOC_H

/* Start counting from 0; the n-th allocation from now fails (0: none). */
void failalloc_arm(unsigned long n);
/* Allocations since failalloc_arm(), and whether one was failed. */
unsigned long failalloc_count(void);
unsigned long failalloc_failed(void);

#endif
