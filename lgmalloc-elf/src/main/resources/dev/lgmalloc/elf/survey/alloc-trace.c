/* LD_PRELOAD tracer for the ELF survey (TraceSurvey): counts every allocator call of a real program by
 * (allocator, requested size, return addresses) and, when the process exits, writes one line per distinct
 * call to $LGM_TRACE_DIR/trace.<pid>:
 *   <allocator> <size> <count> <object>@<vaddr> <object>@<vaddr> ...
 * the call's return address first, then up to three callers' (to see through the program's own wrappers).
 * Addresses are ELF virtual addresses of the object they are in (run-time address minus the object's load
 * bias, from dladdr1's link map), so they compare directly with the analyser's sites.
 * Counting in the process instead of writing a line per call keeps node's millions of calls cheap. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEPTH 4
#define SLOTS (1u << 18)

struct entry {
    uintptr_t frames[DEPTH];
    size_t size;
    uint64_t count;
    int callee;
};

static const char *const CALLEES[] = {
    "malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc",
    "reallocarray",
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_t",
    "_ZnamSt11align_val_t",
};
enum { MALLOC, CALLOC, REALLOC, POSIX_MEMALIGN, ALIGNED_ALLOC, MEMALIGN, VALLOC, PVALLOC, REALLOCARRAY,
       NEW, NEW_ARRAY, NEW_NOTHROW, NEW_ARRAY_NOTHROW, NEW_ALIGNED, NEW_ARRAY_ALIGNED };

static struct entry *table;       /* SLOTS entries, mapped on first use: never from malloc */
static uint64_t dropped;          /* calls not counted because the table was full */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *trace_dir;   /* $LGM_TRACE_DIR, read once: nothing is counted without it */
static __thread int busy;         /* inside the tracer: allocations made by backtrace or dlsym pass through */
static char early[1 << 16] __attribute__((aligned(64)));
static size_t early_used;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static int in_early(void *p) { return (char *) p >= early && (char *) p < early + sizeof early; }

static void *early_alloc(size_t n) { /* dlsym allocates before the real allocator is known */
    n = (n + 63) & ~(size_t) 63;
    if (early_used + n > sizeof early) return NULL;
    void *p = early + early_used;
    early_used += n;
    return p;
}

static void resolve(void) {
    busy++;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_free = dlsym(RTLD_NEXT, "free");
    busy--;
}

/* A forked child starts counting afresh: the parent writes its own counts. */
static void child_after_fork(void) {
    if (table) memset(table, 0, SLOTS * sizeof *table);
    dropped = 0;
    pthread_mutex_init(&lock, NULL);
}

static void write_counts(void);

__attribute__((constructor)) static void init(void) {
    busy++;
    if (!real_malloc) resolve();
    void *frames[DEPTH];
    backtrace(frames, DEPTH); /* loads the unwinder now, outside any hook */
    trace_dir = getenv("LGM_TRACE_DIR");
    pthread_atfork(NULL, NULL, child_after_fork);
    atexit(write_counts);
    busy--;
}

static uint64_t hash(int callee, size_t size, const uintptr_t *frames) {
    uint64_t h = (uint64_t) callee * 0x9e3779b97f4a7c15u ^ size;
    for (int i = 0; i < DEPTH; i++) h = (h ^ frames[i]) * 0xff51afd7ed558ccdu;
    return h ^ (h >> 29);
}

static void count(int callee, size_t size, void *ra) {
    if (busy || trace_dir == NULL) return;
    busy++;
    void *stack[DEPTH + 4];
    int k = backtrace(stack, DEPTH + 4);
    uintptr_t frames[DEPTH] = {(uintptr_t) ra};
    int first = -1;
    for (int i = 0; i < k; i++) if (stack[i] == ra) { first = i; break; }
    for (int i = 1; i < DEPTH; i++) frames[i] = first >= 0 && first + i < k ? (uintptr_t) stack[first + i] : 0;
    pthread_mutex_lock(&lock);
    if (!table) {
        void *m = mmap(NULL, SLOTS * sizeof *table, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        table = m == MAP_FAILED ? NULL : m;
    }
    if (table) {
        uint64_t h = hash(callee, size, frames);
        for (uint32_t probe = 0; probe < 64; probe++) {
            struct entry *e = &table[(h + probe) & (SLOTS - 1)];
            if (e->count == 0) {
                memcpy(e->frames, frames, sizeof frames);
                e->size = size;
                e->callee = callee;
                e->count = 1;
                goto done;
            }
            if (e->callee == callee && e->size == size && memcmp(e->frames, frames, sizeof frames) == 0) {
                e->count++;
                goto done;
            }
        }
    }
    dropped++;
done:
    pthread_mutex_unlock(&lock);
    busy--;
}

/* The loaded objects' address ranges, collected once when the counts are written (dladdr would search each
 * object's symbols for every address, minutes for node). */
#define MAX_RANGES 4096
static struct range { uintptr_t lo, hi, bias; const char *name; } ranges[MAX_RANGES];
static int range_count;

static int add_object(struct dl_phdr_info *info, size_t size, void *self) {
    (void) size;
    const char *name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : (const char *) self;
    for (int i = 0; i < info->dlpi_phnum && range_count < MAX_RANGES; i++) {
        if (info->dlpi_phdr[i].p_type == PT_LOAD) {
            uintptr_t lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            ranges[range_count++] = (struct range) {lo, lo + info->dlpi_phdr[i].p_memsz, info->dlpi_addr, name};
        }
    }
    return 0;
}

/* " <object>@0x<vaddr>": the object's path as the loader names it (the program: /proc/self/exe). */
static void locate(FILE *out, uintptr_t address) {
    for (int i = 0; address != 0 && i < range_count; i++) {
        if (address >= ranges[i].lo && address < ranges[i].hi) {
            fprintf(out, " %s@0x%lx", ranges[i].name, (unsigned long) (address - ranges[i].bias));
            return;
        }
    }
    fprintf(out, " ?@0x%lx", (unsigned long) address);
}

static void write_counts(void) {
    if (!trace_dir || !table) return;
    busy++;
    pthread_mutex_lock(&lock);
    char self[4096] = "?";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 1] = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/trace.%d", trace_dir, (int) getpid());
    FILE *out = fopen(path, "w");
    if (out) {
        range_count = 0;
        dl_iterate_phdr(add_object, self);
        fprintf(out, "# exe %s dropped %lu\n", self, (unsigned long) dropped);
        for (uint32_t i = 0; i < SLOTS; i++) {
            struct entry *e = &table[i];
            if (e->count == 0) continue;
            fprintf(out, "%s %lu %lu", CALLEES[e->callee], (unsigned long) e->size, (unsigned long) e->count);
            for (int f = 0; f < DEPTH; f++) locate(out, e->frames[f]);
            fputc('\n', out);
        }
        fclose(out);
    }
    memset(table, 0, SLOTS * sizeof *table); /* written once, even if exit handlers run twice */
    pthread_mutex_unlock(&lock);
    busy--;
}

#define RA __builtin_return_address(0)

void *malloc(size_t n) {
    if (!real_malloc) { if (busy) return early_alloc(n); resolve(); }
    void *p = real_malloc(n);
    count(MALLOC, n, RA);
    return p;
}

void *calloc(size_t n, size_t s) {
    if (!real_calloc) return early_alloc(n * s); /* dlsym itself calls calloc; early memory is zero */
    void *p = real_calloc(n, s);
    count(CALLOC, n * s, RA);
    return p;
}

void *realloc(void *old, size_t n) {
    if (!real_realloc) resolve();
    void *p;
    if (in_early(old)) {
        p = real_malloc(n);
        if (p) memcpy(p, old, n);
    } else {
        p = real_realloc(old, n);
    }
    count(REALLOC, n, RA);
    return p;
}

void free(void *p) {
    if (in_early(p)) return;
    if (!real_free) resolve();
    real_free(p);
}

#define FORWARD(ret, name, id, params, args, size)                    \
    ret name params {                                                 \
        static ret (*real) params;                                    \
        if (!real) real = (ret (*) params) dlsym(RTLD_NEXT, #name);   \
        ret r = real args;                                            \
        count(id, size, RA);                                          \
        return r;                                                     \
    }

FORWARD(int, posix_memalign, POSIX_MEMALIGN, (void **p, size_t a, size_t n), (p, a, n), n)
FORWARD(void *, aligned_alloc, ALIGNED_ALLOC, (size_t a, size_t n), (a, n), n)
FORWARD(void *, memalign, MEMALIGN, (size_t a, size_t n), (a, n), n)
FORWARD(void *, valloc, VALLOC, (size_t n), (n), n)
FORWARD(void *, pvalloc, PVALLOC, (size_t n), (n), n)
FORWARD(void *, reallocarray, REALLOCARRAY, (void *p, size_t n, size_t s), (p, n, s), n * s)
FORWARD(void *, _Znwm, NEW, (size_t n), (n), n)
FORWARD(void *, _Znam, NEW_ARRAY, (size_t n), (n), n)
FORWARD(void *, _ZnwmRKSt9nothrow_t, NEW_NOTHROW, (size_t n, const void *t), (n, t), n)
FORWARD(void *, _ZnamRKSt9nothrow_t, NEW_ARRAY_NOTHROW, (size_t n, const void *t), (n, t), n)
FORWARD(void *, _ZnwmSt11align_val_t, NEW_ALIGNED, (size_t n, size_t a), (n, a), n)
FORWARD(void *, _ZnamSt11align_val_t, NEW_ARRAY_ALIGNED, (size_t n, size_t a), (n, a), n)
