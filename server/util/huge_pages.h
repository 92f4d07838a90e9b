// Transparent huge pages for large arrays that are filled once.
#ifndef NEWSMETA_SERVER_UTIL_HUGE_PAGES_H_
#define NEWSMETA_SERVER_UTIL_HUGE_PAGES_H_

#include <cstddef>

namespace newsmeta {

// Asks the kernel to back the whole 2 MiB pages inside [data, data + bytes)
// with transparent huge pages (madvise MADV_HUGEPAGE, which kernels set to
// "madvise" need): memory first touched then takes one page fault per 2 MiB
// instead of one per 4 KiB, and first touches are much of what building a
// catalog costs on a virtual machine. Advice only: where the kernel has no
// huge pages, or declines, nothing changes.
void AdviseHugePages(void* data, size_t bytes);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_HUGE_PAGES_H_
