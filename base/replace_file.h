/* Small files that other processes read at any time (udev importing a
 * volume's names, a command reading a group's hint): written whole or not
 * at all. */
#ifndef STARDM_BASE_REPLACE_FILE_H
#define STARDM_BASE_REPLACE_FILE_H

/* Write text to path through a temporary file beside it and a rename,
 * making path's directory if it is missing.  0, or -1 (path unchanged). */
int sd_replace_file(const char *path, const char *text);

#endif
