package sqlite

// Page caches. Most of otpd's resident memory is SQLite's page cache, and
// it costs twice its nominal size: the driver's C heap (modernc.org/libc)
// hands out power-of-two slots, and a cached 4 KiB page with its header
// takes an 8 KiB one. So each cache_size below is half of what it holds
// in RSS once full, which the writer's is after a few minutes of traffic.
//
// The writer runs every write and every check, so its cache is the one
// that saves reads of the file; a page it misses comes from the kernel's
// page cache at the price of a pread. Readers start each transaction with
// an empty cache whenever the writer committed since their last one (WAL
// mode discards a connection's cache when the database changed), which
// under load is every time; a large reader cache would only hold memory.
// See docs/design-notes.md, "Resident memory", for the figures.
const (
	writerCacheKiB = 16 << 10 // 16 MiB: 4,096 pages, 32 MiB resident
	readerCacheKiB = 1 << 10  // 1 MiB each: 256 pages
)
