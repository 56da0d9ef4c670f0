/* The row statistics of a free-text column in one pass, compiled: the count, the sum,
 * sum of squares, min and max of the values' lengths in characters, how many hold a
 * space, how many start or end with whitespace, and the positions of those that may
 * read as a number or a boolean (their first byte is one of - + . 0-9 t T f F).
 *
 * An optional accelerator: engines/_text.py returns None without it and the profile
 * computes the same statistics with Polars expressions, which the tests check this
 * module against. It reads an Arrow string-view array in place (Polars' own layout),
 * checks every view with the GIL held and computes with the GIL released.
 *
 * A length in characters is the count of bytes that are not UTF-8 continuation bytes
 * (Polars' strings are valid UTF-8), found with the spaces 16 bytes at a time with
 * SSE2 on x86-64, 8 at a time in a 64-bit word elsewhere (or with TEXTSTATS_NO_SIMD,
 * which the tests build once). The sums are exact: 128 bits for the squares.
 *
 * ValueTable, further down, counts a categorical text column's values chunk after
 * chunk by number (engines/_text.ValueCounter), from the same string views.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "../_native.h" /* get_buffer, is_valid, the string views' Views */
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(TEXTSTATS_NO_SIMD)
#include <emmintrin.h>
#define SIMD 1 /* SSE2, on every x86-64 machine: 16 bytes at a time */
#endif

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define SPACES 0x2020202020202020ULL

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t k;
    memcpy(&k, p, 8);
    return k; /* little-endian machines only: checked at import */
}

/* The bytes of a word that are UTF-8 continuation bytes (10xxxxxx), as the high bit
 * of each: bit 7 set, bit 6 (shifted up into bit 7) clear. */
static inline uint64_t continuations(uint64_t w) { return w & ~(w << 1) & HIGHS; }

/* Whether a word holds the byte 0x20: the exact "has a zero byte" test of w ^ spaces. */
static inline uint64_t spaces(uint64_t w)
{
    uint64_t x = w ^ SPACES;
    return (x - ONES) & ~x & HIGHS;
}

/* The sum of a word's byte lanes when it is below 256. */
static inline uint64_t lanes(uint64_t acc) { return (acc * ONES) >> 56; }

/* The characters of n bytes (those that are not continuation bytes) and whether one
 * of the bytes is a space, 8 bytes at a time; n >= 8 (the last word is read again,
 * shifted down past the bytes already counted). */
static inline uint64_t scan_long(const uint8_t *p, uint64_t n, uint64_t *space)
{
    uint64_t cont = 0, acc = 0, sp = 0, i = 0;
    unsigned words = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load64(p + i);
        acc += continuations(w) >> 7;
        sp |= spaces(w);
        if (++words == 31) { /* each lane at most 31: their sum stays below 256 */
            cont += lanes(acc);
            acc = 0;
            words = 0;
        }
    }
    cont += lanes(acc);
    if (i < n) {
        uint64_t w = load64(p + n - 8) >> (8 * (8 - (n - i))); /* zeros shifted in */
        cont += lanes(continuations(w) >> 7);
        sp |= spaces(w);
    }
    *space = sp;
    return n - cont;
}

#ifdef SIMD
/* 16 ones then 16 zeros: 16 bytes loaded from (table + 16 - r) have their first r
 * lanes set, from (table + r) their last r clear. */
static const uint8_t lanes_set[32] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline __m128i lanes_below(uint64_t r)
{
    return _mm_loadu_si128((const __m128i *)(lanes_set + 16 - r));
}

/* The continuation bytes of x counted in each lane of c: a continuation byte
 * (0x80-0xBF) is below -64 as a signed byte. */
static inline __m128i count16(__m128i x, __m128i c)
{
    return _mm_sub_epi8(c, _mm_cmplt_epi8(x, _mm_set1_epi8((char)0xC0)));
}

/* The sum of the 16 byte lanes of c. */
static inline uint64_t sum16(__m128i c)
{
    c = _mm_sad_epu8(c, _mm_setzero_si128());
    return (uint64_t)_mm_cvtsi128_si64(_mm_add_epi64(c, _mm_unpackhi_epi64(c, c)));
}

/* The last r of 16 bytes ending at p + n, the others cleared (r < 16; n >= 16). */
static inline __m128i last16(const uint8_t *p, uint64_t n, uint64_t r)
{
    return _mm_andnot_si128(lanes_below(16 - r),
                            _mm_loadu_si128((const __m128i *)(p + n - 16)));
}

/* The continuation bytes of n >= 16 bytes, 16 at a time, the last 16 read again
 * (those already counted cleared). A lane counts at most 255: the blocks are summed
 * every 254 (plus the last). */
static uint64_t continuations16(const uint8_t *p, uint64_t n)
{
    __m128i c = _mm_setzero_si128();
    uint64_t cont = 0, i = 0;
    for (; n - i > 254 * 16; cont += sum16(c), c = _mm_setzero_si128())
        for (uint64_t end = i + 254 * 16; i < end; i += 16)
            c = count16(_mm_loadu_si128((const __m128i *)(p + i)), c);
    for (; i + 16 <= n; i += 16)
        c = count16(_mm_loadu_si128((const __m128i *)(p + i)), c);
    return cont + sum16(count16(last16(p, n, n - i), c));
}

/* As scan_long, 16 bytes at a time; n >= 16. The spaces and the high bits of the
 * bytes first: ASCII (no high bit) has a character a byte, else the continuation
 * bytes are counted in a second pass. */
static inline uint64_t scan_simd(const uint8_t *p, uint64_t n, uint64_t *space)
{
    const __m128i blank = _mm_set1_epi8(' ');
    __m128i high = _mm_setzero_si128(), sp = high, x;
    uint64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        x = _mm_loadu_si128((const __m128i *)(p + i));
        high = _mm_or_si128(high, x);
        sp = _mm_or_si128(sp, _mm_cmpeq_epi8(x, blank));
    }
    x = last16(p, n, n - i);
    high = _mm_or_si128(high, x);
    *space = (uint64_t)_mm_movemask_epi8(_mm_or_si128(sp, _mm_cmpeq_epi8(x, blank)));
    return _mm_movemask_epi8(high) ? n - continuations16(p, n) : n;
}

/* As scan_simd, for the up to 12 bytes inline in a view: the view's lanes 4 to n + 3
 * (the others cleared: a view's padding is not trusted). */
static inline uint64_t scan_inline(const uint8_t *view, uint64_t n, uint64_t *space)
{
    __m128i keep = _mm_andnot_si128(lanes_below(4), lanes_below(n + 4));
    __m128i x = _mm_and_si128(_mm_loadu_si128((const __m128i *)view), keep);
    *space = (uint64_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
    return n - sum16(count16(x, _mm_setzero_si128()));
}
#else
/* As scan_long, for the up to 12 bytes inline in a view (at view + 4): two words of
 * the view itself, the bytes past n cleared (their padding is not trusted). */
static inline uint64_t scan_inline(const uint8_t *view, uint64_t n, uint64_t *space)
{
    uint64_t lo = load64(view + 4), hi = load64(view + 8) >> 32;
    if (n < 8) {
        lo &= (1ULL << (8 * n)) - 1;
        hi = 0;
    } else {
        hi &= (1ULL << (8 * (n - 8))) - 1;
    }
    *space = spaces(lo) | spaces(hi); /* a cleared byte is no space */
    return n - lanes((continuations(lo) >> 7) + (continuations(hi) >> 7));
}
#endif

/* Rust's char::is_whitespace (Unicode White_Space), what Polars' strip_chars strips. */
static inline int is_whitespace(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x09 && c <= 0x0D) || c == 0x20;
    switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
        return 1;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

/* The bytes of a character from its first byte (0: not a first byte). */
static inline unsigned char_size(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xC0)
        return 0; /* a continuation byte */
    return b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 0;
}

/* Whether the n bytes at p are one whitespace character. */
static inline int whitespace_at(const uint8_t *p, unsigned n)
{
    if (n == 0 || char_size(p[0]) != n)
        return 0;
    uint32_t c = n == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> n));
    for (unsigned k = 1; k < n; k++)
        c = (c << 6) | (p[k] & 0x3F);
    return is_whitespace(c);
}

/* What a byte at either end of a value may be, as bits: 1, an ASCII whitespace
 * character; 2, the first byte of a longer one; 4, its last byte; 8, the byte before
 * its last. Filled at import from is_whitespace: a filter, a value passing it has its
 * first or last character decoded. */
static uint8_t edges[256];

static void fill_edges(void)
{
    for (uint32_t c = 0; c < 0x10000; c++) { /* White_Space is all in the BMP */
        if (!is_whitespace(c))
            continue;
        if (c < 0x80) {
            edges[c] |= 1;
        } else if (c < 0x800) { /* 110xxxxx 10xxxxxx */
            edges[0xC0 | (c >> 6)] |= 2 | 8;
            edges[0x80 | (c & 0x3F)] |= 4;
        } else { /* 1110xxxx 10xxxxxx 10xxxxxx */
            edges[0xE0 | (c >> 12)] |= 2;
            edges[0x80 | ((c >> 6) & 0x3F)] |= 8;
            edges[0x80 | (c & 0x3F)] |= 4;
        }
    }
}

/* Whether the first or the last character of n bytes (n > 0) is whitespace. Every
 * read stays inside the n bytes, whatever they hold. */
static inline int padded(const uint8_t *p, uint64_t n)
{
    if ((uint8_t)(p[0] - 0x21) < 0x5F && (uint8_t)(p[n - 1] - 0x21) < 0x5F)
        return 0; /* both ends printable ASCII: the usual case */
    unsigned first = edges[p[0]], last = edges[p[n - 1]];
    if ((first | last) & 1)
        return 1;
    if (first & 2) {
        unsigned size = char_size(p[0]);
        if (size <= n && whitespace_at(p, size))
            return 1;
    }
    if (!(last & 4) || n < 2 || !(edges[p[n - 2]] & 8))
        return 0;
    uint64_t start = n - 1; /* back over up to three continuation bytes */
    while (start > 0 && n - start < 4 && (p[start] & 0xC0) == 0x80)
        start--;
    return whitespace_at(p + start, (unsigned)(n - start));
}

/* The first bytes of the values that may read as a kind: - + . 0-9 t T f F. */
static const uint8_t may_read[256] = {
    ['-'] = 1, ['+'] = 1, ['.'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['t'] = 1,
    ['T'] = 1, ['f'] = 1, ['F'] = 1,
};

/* A sum of up to 2**59 values below 2**62 (the squares of lengths below 2**31), in
 * two 64-bit words: no overflow for any array that fits in memory. */
typedef struct {
    uint64_t lo, hi;
} Wide;

static inline void wide_add(Wide *w, uint64_t x)
{
    w->lo += x;
    w->hi += w->lo < x;
}

static PyObject *wide_long(Wide w)
{
    PyObject *hi = NULL, *shift = NULL, *up = NULL, *lo = NULL, *sum = NULL;
    if (w.hi == 0)
        return PyLong_FromUnsignedLongLong(w.lo);
    if ((hi = PyLong_FromUnsignedLongLong(w.hi)) && (shift = PyLong_FromLong(64)) &&
        (up = PyNumber_Lshift(hi, shift)) && (lo = PyLong_FromUnsignedLongLong(w.lo)))
        sum = PyNumber_Or(up, lo);
    Py_XDECREF(hi);
    Py_XDECREF(shift);
    Py_XDECREF(up);
    Py_XDECREF(lo);
    return sum;
}

typedef struct {
    uint64_t min, max, with_space, padded, picked;
    Wide sum, squares;
} Stats;

/* The statistics of the non-null strings of count views checked by check_views;
 * the positions (0 to count - 1) of those that may read as a kind are written to
 * picks. Locals accumulate (the compiler keeps more of them in registers): the sum
 * of lengths below 2**31 fits 64 bits for 2**32 - 1 values, and is carried over to
 * the wide sum every 2**32 - 1 values, as are the counts of values with a space and
 * of those padded, which share a word (the padded in its high half). */
static void scan_views(const uint8_t *views, const uint8_t *valid, Py_ssize_t offset,
                       Py_ssize_t count, const uint8_t *const *bufs, int64_t *picks, Stats *s)
{
    uint64_t lo = UINT64_MAX, hi = 0, picked = 0, spaced = 0, pads = 0;
    Wide total = {0, 0}, squares = {0, 0};
    for (Py_ssize_t start = 0; start < count; start += UINT32_MAX) {
        Py_ssize_t end = count - start > UINT32_MAX ? start + UINT32_MAX : count;
        uint64_t sum = 0, flags = 0;
        for (Py_ssize_t i = start; i < end; i++) {
            if (valid && !is_valid(valid, offset + i))
                continue; /* null: not counted */
            const uint8_t *v = views + 16 * (offset + i);
            int32_t len, index, at;
            memcpy(&len, v, 4);
            uint64_t n = (uint64_t)len, chars, space;
            const uint8_t *bytes = v + 4;
            if (len > 12) {
                memcpy(&index, v + 8, 4);
                memcpy(&at, v + 12, 4);
                bytes = bufs[index] + at;
#ifdef SIMD
                /* Polars writes the strings one after another: fetch those ahead (a
                 * hint, which never faults). 10% faster. */
                _mm_prefetch((const char *)bytes + 512, _MM_HINT_T0);
                chars = n >= 16 ? scan_simd(bytes, n, &space) : scan_long(bytes, n, &space);
#else
                chars = scan_long(bytes, n, &space);
#endif
            } else {
                chars = scan_inline(v, n, &space);
            }
            sum += chars;
            wide_add(&squares, chars * chars);
            lo = chars < lo ? chars : lo;
            hi = chars > hi ? chars : hi;
            flags += space != 0;
            if (n) {
                flags += (uint64_t)padded(bytes, n) << 32;
                picks[picked] = i; /* kept when its first byte is one of may_read */
                picked += may_read[bytes[0]];
            }
        }
        wide_add(&total, sum);
        spaced += flags & UINT32_MAX;
        pads += flags >> 32;
    }
    s->min = lo;
    s->max = hi;
    s->with_space = spaced;
    s->padded = pads;
    s->picked = picked;
    s->sum = total;
    s->squares = squares;
}

/* The statistics of the non-null strings of an Arrow string-view array (_native.h's
 * Views). */
/* views_open, and out: a writable buffer of at least count int64 positions (called
 * what in errors). 0, both held; or -1 with an exception set and nothing held. */
static int open_with_positions(Views *a, PyObject *vobj, PyObject *dlist, PyObject *nobj,
                               Py_ssize_t offset, Py_ssize_t count, PyObject *oobj,
                               Py_buffer *out, const char *what)
{
    if (views_open(a, vobj, dlist, nobj, offset, count) < 0)
        return -1;
    if (get_buffer(oobj, out, 1, 8, what) < 0) {
        views_close(a);
        return -1;
    }
    if (out->len / 8 < count) {
        views_close(a);
        PyBuffer_Release(out);
        PyErr_Format(PyExc_ValueError, "%s is shorter than count", what);
        return -1;
    }
    return 0;
}

static PyObject *py_text_stats(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *vobj, *dlist, *nobj, *oobj;
    Py_ssize_t offset, count;
    if (!PyArg_ParseTuple(args, "OO!OnnO", &vobj, &PyList_Type, &dlist, &nobj, &offset,
                          &count, &oobj))
        return NULL;
    Views a;
    Py_buffer out;
    Stats s = {UINT64_MAX, 0, 0, 0, 0, {0, 0}, {0, 0}};
    if (open_with_positions(&a, vobj, dlist, nobj, offset, count, oobj, &out, "out") < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    scan_views(a.views.buf, a.valid, offset, count, a.bufs, out.buf, &s);
    Py_END_ALLOW_THREADS
    Py_ssize_t nulls = a.nulls;
    views_close(&a);
    PyBuffer_Release(&out);
    PyObject *sum = wide_long(s.sum), *squares = sum ? wide_long(s.squares) : NULL;
    if (squares == NULL) {
        Py_XDECREF(sum);
        return NULL;
    }
    Py_ssize_t values = count - nulls;
    if (values == 0)
        return Py_BuildValue("(nNNOOKKK)", values, sum, squares, Py_None, Py_None,
                             s.with_space, s.padded, s.picked);
    return Py_BuildValue("(nNNKKKKK)", values, sum, squares, s.min, s.max, s.with_space,
                         s.padded, s.picked);
}

/* ------------------------------------------------------------------ ValueTable
 * The distinct values of a text column that is counted chunk after chunk, each with a
 * number (its id, from 0 in the order first seen), and how often each occurred in the
 * views counted since the counts were last taken. A chunk's values are looked up in
 * the table (one hash; values of 12 bytes or fewer are compared as two words kept
 * with their id, longer ones by their hash and then their bytes) instead of grouped
 * afresh; the caller keeps each id's statistics, computed once. The table holds its
 * values' bytes (an arena) and grows until a limit of bytes, after which values it
 * lacks are left for the caller (their positions written out).
 *
 * Not thread-safe by design: callers serialize the use of one table (a lock of their
 * own); a second call while one runs with the GIL released raises RuntimeError. */
typedef struct {
    PyObject_HEAD
    int32_t *slots;     /* per slot: an id, or -1 when empty */
    Py_ssize_t capacity; /* slots, a power of two, at most a quarter of them full */
    int shift;           /* 64 - log2(capacity): a hash's high bits pick its slot */
    uint64_t *keys;     /* per id, two words: key_of */
    int64_t *starts;    /* per id + 1: where each value starts in the arena */
    int64_t *counts;    /* per id: occurrences since the counts were taken */
    Py_ssize_t ids, room; /* ids given; ids the per-id arrays hold */
    uint8_t *arena;
    Py_ssize_t used, size; /* bytes of the arena used, allocated */
    int busy;
} ValueTable;

#define MIX 0x9E3779B97F4A7C15ULL

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The first n bytes of w (n below 8). */
static inline uint64_t low_bytes(uint64_t w, uint64_t n) { return w & ((1ULL << (8 * n)) - 1); }

/* A value of 12 bytes or fewer as two words, its bytes and zeros after them, from 16
 * readable bytes at p (an inline view's bytes, or the arena, which keeps 16 spare). */
static inline void short_words(const uint8_t *p, uint64_t n, uint64_t *a, uint64_t *b)
{
    uint32_t tail;
    memcpy(&tail, p + 8, 4);
    *a = n >= 8 ? load64(p) : low_bytes(load64(p), n);
    *b = n > 8 ? low_bytes(tail, n - 8) : 0;
}

/* A value's key, two words that tell it from any other of its table: a value of 12
 * bytes or fewer is its words (short_words) with its length in the second, a longer
 * one is its hash and its length, with the top bit set (its bytes then decide). */
#define LONG_KEY (1ULL << 63)

static inline uint64_t short_key(uint64_t b, uint64_t n) { return b | (n << 32); }

/* A 64-bit hash of a value (any hash: it never leaves the table; its high bits pick
 * the slot); values of 12 bytes or fewer from their key (two independent products),
 * longer ones word by word. */
static inline uint64_t hash_short(uint64_t a, uint64_t key)
{
    return (a * MIX) ^ (key * 0xC2B2AE3D27D4EB4FULL);
}

static uint64_t hash_long(const uint8_t *p, uint64_t n)
{
    uint64_t h = n * MIX;
    for (; n >= 8; p += 8, n -= 8) {
        h = (h ^ load64(p)) * MIX;
        h ^= h >> 29;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * MIX;
    }
    return mix64(h);
}

/* The bytes of capacity slots, room ids and an arena of size bytes. */
static Py_ssize_t bytes_of(Py_ssize_t capacity, Py_ssize_t room, Py_ssize_t size)
{
    return capacity * (Py_ssize_t)sizeof(int32_t) + room * (Py_ssize_t)(4 * sizeof(int64_t)) +
           size + 16;
}

static Py_ssize_t table_bytes(const ValueTable *t)
{
    return bytes_of(t->capacity, t->room, t->size);
}

static void table_free(ValueTable *t)
{
    PyMem_RawFree(t->slots);
    PyMem_RawFree(t->keys);
    PyMem_RawFree(t->starts);
    PyMem_RawFree(t->counts);
    PyMem_RawFree(t->arena);
    t->slots = NULL;
    t->keys = NULL;
    t->starts = t->counts = NULL;
    t->arena = NULL;
}

static PyObject *table_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":ValueTable", kwlist))
        return NULL;
    ValueTable *t = (ValueTable *)type->tp_alloc(type, 0);
    if (t == NULL)
        return NULL;
    t->capacity = 64;
    t->shift = 64 - 6;
    t->room = 32;
    t->size = 1024;
    t->slots = PyMem_RawMalloc(t->capacity * sizeof(int32_t));
    t->keys = PyMem_RawMalloc(2 * t->room * sizeof(uint64_t));
    t->starts = PyMem_RawCalloc(t->room + 1, sizeof(int64_t));
    t->counts = PyMem_RawCalloc(t->room, sizeof(int64_t));
    t->arena = PyMem_RawMalloc(t->size + 16); /* 16 spare: short_words */
    if (!t->slots || !t->keys || !t->starts || !t->counts || !t->arena) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    memset(t->slots, 0xff, t->capacity * sizeof(int32_t));
    return (PyObject *)t;
}

static void table_dealloc(ValueTable *t)
{
    table_free(t);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

/* The slot of the value (p, n) of hash h and key (a, key): where it is, or the empty
 * slot where it belongs. */
static inline Py_ssize_t table_find(const ValueTable *t, const uint8_t *p, uint64_t n,
                                    uint64_t h, uint64_t a, uint64_t key)
{
    Py_ssize_t mask = t->capacity - 1, i = (Py_ssize_t)(h >> t->shift);
    for (;; i = (i + 1) & mask) {
        int32_t id = t->slots[i];
        if (id < 0)
            return i;
        const uint64_t *k = t->keys + 2 * id;
        if (k[0] == a && k[1] == key &&
            (!(key & LONG_KEY) || memcmp(t->arena + t->starts[id], p, n) == 0))
            return i;
    }
}

/* Twice the slots, every id placed again from its key's hash: 0, or -1 out of memory. */
static int table_grow_slots(ValueTable *t)
{
    Py_ssize_t capacity = 2 * t->capacity, mask = capacity - 1;
    int shift = t->shift - 1;
    int32_t *slots = PyMem_RawMalloc(capacity * sizeof(int32_t));
    if (slots == NULL)
        return -1;
    memset(slots, 0xff, capacity * sizeof(int32_t));
    for (Py_ssize_t id = 0; id < t->ids; id++) {
        const uint64_t *k = t->keys + 2 * id;
        uint64_t h = k[1] & LONG_KEY ? k[0] : hash_short(k[0], k[1]);
        Py_ssize_t j = (Py_ssize_t)(h >> shift);
        while (slots[j] >= 0)
            j = (j + 1) & mask;
        slots[j] = (int32_t)id;
    }
    PyMem_RawFree(t->slots);
    t->slots = slots;
    t->capacity = capacity;
    t->shift = shift;
    return 0;
}

/* Room for one more id of n bytes within limit bytes in all: 1, 0 when the limit
 * forbids it, -1 out of memory. */
static int table_make_room(ValueTable *t, uint64_t n, Py_ssize_t limit)
{
    Py_ssize_t capacity = t->capacity, room = t->room, size = t->size;
    if (4 * (t->ids + 1) > capacity)
        capacity *= 2;
    if (t->ids + 1 > room)
        room *= 2;
    while ((uint64_t)(size - t->used) < n)
        size *= 2;
    if (bytes_of(capacity, room, size) > limit)
        return 0;
    if (capacity != t->capacity && table_grow_slots(t) < 0)
        return -1;
    if (room != t->room) {
        int64_t *starts = PyMem_RawRealloc(t->starts, (room + 1) * sizeof(int64_t));
        if (starts == NULL)
            return -1;
        t->starts = starts;
        uint64_t *keys = PyMem_RawRealloc(t->keys, 2 * room * sizeof(uint64_t));
        if (keys == NULL)
            return -1;
        t->keys = keys;
        int64_t *counts = PyMem_RawRealloc(t->counts, room * sizeof(int64_t));
        if (counts == NULL)
            return -1;
        memset(counts + t->room, 0, (room - t->room) * sizeof(int64_t));
        t->counts = counts;
        t->room = room;
    }
    if (size != t->size) {
        uint8_t *arena = PyMem_RawRealloc(t->arena, size + 16);
        if (arena == NULL)
            return -1;
        t->arena = arena;
        t->size = size;
    }
    return 1;
}

/* Counts the non-null values of count views (checked by views_open) into t->counts;
 * a value not in the table gets the next id if the table stays within limit bytes,
 * else its position (0 to count - 1) goes to missed. How many were missed, or -1 out
 * of memory. */
static Py_ssize_t table_count(ValueTable *t, const uint8_t *views, const uint8_t *valid,
                              Py_ssize_t offset, Py_ssize_t count,
                              const uint8_t *const *bufs, Py_ssize_t limit, int64_t *missed)
{
    Py_ssize_t misses = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (valid && !is_valid(valid, offset + i))
            continue;
        const uint8_t *v = views + 16 * (offset + i);
        int32_t len, index, at;
        memcpy(&len, v, 4);
        const uint8_t *p = v + 4;
        uint64_t n = (uint64_t)len, h, a, key;
        if (len > 12) {
            memcpy(&index, v + 8, 4);
            memcpy(&at, v + 12, 4);
            p = bufs[index] + at;
            a = h = hash_long(p, n);
            key = n | LONG_KEY;
        } else {
            uint64_t b;
            short_words(p, n, &a, &b);
            key = short_key(b, n);
            h = hash_short(a, key);
        }
        Py_ssize_t slot = table_find(t, p, n, h, a, key);
        int32_t id = t->slots[slot];
        if (id < 0) {
            int made = t->ids < INT32_MAX ? table_make_room(t, n, limit) : 0;
            if (made < 0)
                return -1;
            if (made == 0) {
                missed[misses++] = i;
                continue;
            }
            slot = table_find(t, p, n, h, a, key); /* the slots may have moved */
            id = (int32_t)t->ids++;
            memcpy(t->arena + t->used, p, n);
            t->used += (Py_ssize_t)n;
            t->starts[id + 1] = t->used;
            t->keys[2 * id] = a;
            t->keys[2 * id + 1] = key;
            t->slots[slot] = id;
        }
        t->counts[id]++;
    }
    return misses;
}

static PyObject *table_count_py(ValueTable *t, PyObject *args)
{
    PyObject *vobj, *dlist, *nobj, *mobj;
    Py_ssize_t offset, count, limit;
    if (!PyArg_ParseTuple(args, "OO!OnnnO", &vobj, &PyList_Type, &dlist, &nobj, &offset,
                          &count, &limit, &mobj))
        return NULL;
    if (t->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a ValueTable is counting in another thread");
        return NULL;
    }
    Views a;
    Py_buffer missed;
    if (open_with_positions(&a, vobj, dlist, nobj, offset, count, mobj, &missed,
                            "missed") < 0)
        return NULL;
    Py_ssize_t misses;
    t->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    misses = table_count(t, a.views.buf, a.valid, offset, count, a.bufs, limit, missed.buf);
    Py_END_ALLOW_THREADS
    t->busy = 0;
    views_close(&a);
    PyBuffer_Release(&missed);
    if (misses < 0)
        return PyErr_NoMemory();
    return PyLong_FromSsize_t(misses);
}

static PyObject *table_take_counts(ValueTable *t, PyObject *noargs)
{
    (void)noargs;
    if (t->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a ValueTable is counting in another thread");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize((const char *)t->counts,
                                              t->ids * (Py_ssize_t)sizeof(int64_t));
    if (out != NULL)
        memset(t->counts, 0, t->ids * sizeof(int64_t));
    return out;
}

static PyObject *table_values(ValueTable *t, PyObject *args)
{
    Py_ssize_t start, end;
    if (!PyArg_ParseTuple(args, "nn", &start, &end))
        return NULL;
    if (t->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a ValueTable is counting in another thread");
        return NULL;
    }
    if (start < 0 || end > t->ids || start > end) {
        PyErr_SetString(PyExc_IndexError, "ids outside the table");
        return NULL;
    }
    PyObject *out = PyList_New(end - start);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t id = start; id < end; id++) {
        int64_t at = t->starts[id];
        PyObject *text = PyUnicode_DecodeUTF8((const char *)t->arena + at,
                                              (Py_ssize_t)(t->starts[id + 1] - at), NULL);
        if (text == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, id - start, text);
    }
    return out;
}

static PyObject *table_size(ValueTable *t, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(t->ids);
}

static PyObject *table_nbytes(ValueTable *t, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(table_bytes(t));
}

static PyMethodDef table_methods[] = {
    {"count", (PyCFunction)table_count_py, METH_VARARGS,
     "count(views, data, validity, offset, count, limit, missed) -> missed count: adds "
     "the non-null values of an Arrow string-view array (as text_stats takes it) to the "
     "counts; a value not in the table gets the next id while the table stays within "
     "limit bytes, else its position (0 to count - 1) is written to missed (int64, at "
     "least count of them)."},
    {"take_counts", (PyCFunction)table_take_counts, METH_NOARGS,
     "take_counts() -> bytes: each id's count (int64, in id order) since they were last "
     "taken; the counts start again from zero."},
    {"values", (PyCFunction)table_values, METH_VARARGS,
     "values(start, end) -> list of str: the values of ids start to end - 1."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef table_getset[] = {
    {"size", (getter)table_size, NULL, "How many values (ids) the table holds.", NULL},
    {"nbytes", (getter)table_nbytes, NULL, "The bytes the table holds.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ValueTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pipewarden.engines._textstats.ValueTable",
    .tp_basicsize = sizeof(ValueTable),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ValueTable(): a text column's distinct values, numbered, and their counts.",
    .tp_methods = table_methods,
    .tp_getset = table_getset,
    .tp_new = table_new,
};

static PyMethodDef methods[] = {
    {"text_stats", py_text_stats, METH_VARARGS,
     "text_stats(views, data, validity, offset, count, out) -> (count, length_sum, "
     "length_sq, length_min, length_max, with_space, padded, picked): the statistics "
     "of the non-null strings of an Arrow string-view array (its views buffer, list of "
     "data buffers and validity bitmap or None; lengths in characters, min and max None "
     "when every value is null); the positions (0 to count - 1) of the values that may "
     "read as a kind are written to out[:picked] (int64, at least count of them)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_textstats",
    "Free-text statistics in one pass and text values counted by number, compiled (an "
    "optional accelerator).",
    -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__textstats(void)
{
    fill_edges();
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe != 1) { /* the scan reads words little-endian */
        PyErr_SetString(PyExc_ImportError, "_textstats needs a little-endian machine");
        return NULL;
    }
    if (PyType_Ready(&ValueTableType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ValueTableType);
    if (PyModule_AddObject(m, "ValueTable", (PyObject *)&ValueTableType) < 0) {
        Py_DECREF(&ValueTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
