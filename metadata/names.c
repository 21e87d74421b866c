/* One naming rule for groups, volumes and snapshots: it keeps names safe in
 * dm device names, /dev paths, shell scripts and Proxmox volume ids. */
#include "state.h"

#include <string.h>

bool sd_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= SD_NAME_LEN)
		return false;
	if (name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '+';
		if (!ok)
			return false;
	}
	return true;
}
