// Handing memory that was freed back to the system.
#ifndef NEWSMETA_SERVER_UTIL_RELEASE_MEMORY_H_
#define NEWSMETA_SERVER_UTIL_RELEASE_MEMORY_H_

namespace newsmeta {

// Returns to the system the whole pages malloc holds free (glibc's
// malloc_trim), after a phase that freed much memory, say the parsed
// messages a catalog was built from: malloc keeps freed memory for later
// allocations, so without this the process stays as large as at its peak.
// Does nothing where the C library has no such call.
void ReleaseFreedMemory();

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_RELEASE_MEMORY_H_
