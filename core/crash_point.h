#ifndef STARDM_CORE_CRASH_POINT_H
#define STARDM_CORE_CRASH_POINT_H

/* Called before each kernel step that follows a metadata commit: a crash
 * point in test builds (STARDM_TEST_HOOKS), nothing otherwise. */
#ifdef STARDM_TEST_HOOKS
void sdg_crash_point(void);
#else
static inline void sdg_crash_point(void) {}
#endif

#endif
