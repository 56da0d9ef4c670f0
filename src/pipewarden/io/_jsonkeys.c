/* The keys of JSON Lines records, checked against a schema's: what lets a JSON Lines
 * file be parsed once with the types of its first lines (io/_jsonl.py).
 *
 * polars parses lines with a given schema quickly, but silently leaves out a key the
 * schema lacks. unknown_key() walks the bytes once and finds the first key of a
 * top-level record (depth 1) that is not one of the schema's names, byte for byte.
 * A key written with an escape (\u0041, \") counts as unknown: the caller then reads
 * the file the checked way, which decides. The walk does not validate JSON (polars
 * does, and refuses what is malformed); on malformed bytes it may report a key that
 * is not one, never miss one that polars would read.
 *
 * An optional accelerator, like profiles/_murmur.c: without it, JSON Lines files are
 * read the checked way (every line inferred, then parsed). The GIL is released while
 * it runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct {
    const uint8_t *name;
    Py_ssize_t size;
    uint64_t head[2]; /* the name's first 16 bytes, zero-padded */
} Key;

typedef struct {
    Key *keys; /* the schema's names, in its order */
    Py_ssize_t count;
    Py_ssize_t *slots; /* open addressing: index + 1 into keys, 0 when empty */
    Py_ssize_t mask;
} Names;

static uint64_t fnv(const uint8_t *p, Py_ssize_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int same(const Key *key, const uint8_t *p, Py_ssize_t n)
{
    return key->size == n && memcmp(key->name, p, (size_t)n) == 0;
}

static uint64_t load_word(const uint8_t *p)
{
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

/* Whether the key string at p (its opening quote) is exactly ``key``, where at
 * least 18 + key->size bytes may be read from p: the name's bytes, then the closing
 * quote. (A name holding a quote, a backslash or a control character never matches
 * valid JSON, which writes those escaped; what polars refuses may match.) */
static int starts_key(const Key *key, const uint8_t *p)
{
    Py_ssize_t size = key->size;
    if (size > 16)
        return memcmp(key->name, p + 1, (size_t)size) == 0 && p[1 + size] == '"';
    uint64_t low = load_word(p + 1), high = load_word(p + 9);
    if (size < 8) {
        low &= (1ULL << (8 * size)) - 1;
        high = 0;
    }
    else if (size < 16)
        high &= size == 8 ? 0 : (1ULL << (8 * (size - 8))) - 1;
    return low == key->head[0] && high == key->head[1] && p[1 + size] == '"';
}

/* Whether p[:n] is a name; *next guesses the index of the next key (records
 * usually repeat the schema's order), so most keys cost one comparison. */
static int known(const Names *names, const uint8_t *p, Py_ssize_t n, Py_ssize_t *next)
{
    if (names->count == 0)
        return 0;
    Py_ssize_t guess = *next < names->count ? *next : 0;
    if (same(&names->keys[guess], p, n)) {
        *next = guess + 1;
        return 1;
    }
    for (Py_ssize_t slot = (Py_ssize_t)(fnv(p, n) & (uint64_t)names->mask);;
         slot = (slot + 1) & names->mask) {
        Py_ssize_t index = names->slots[slot];
        if (index == 0)
            return 0;
        if (same(&names->keys[index - 1], p, n)) {
            *next = index;
            return 1;
        }
    }
}

/* The offset of the first quote or backslash in p[i:n], or n. */
static Py_ssize_t string_stop(const uint8_t *p, Py_ssize_t i, Py_ssize_t n)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)(p + i));
        int hits = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, slash)));
        if (hits)
            return i + __builtin_ctz((unsigned)hits);
    }
#endif
    while (i < n && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

/* Masks of one 64-byte block: bit i for byte i. */
typedef struct {
    uint64_t quote, backslash, open, close, comma;
} Block;

static void block_masks(const uint8_t *p, Block *b)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'),
                  comma = _mm_set1_epi8(','), curly = _mm_set1_epi8('{'),
                  square = _mm_set1_epi8('['), curly_end = _mm_set1_epi8('}'),
                  square_end = _mm_set1_epi8(']');
    memset(b, 0, sizeof *b);
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        int shift = 16 * k;
#define MASK(x) ((uint64_t)(unsigned)_mm_movemask_epi8(x) << shift)
        b->quote |= MASK(_mm_cmpeq_epi8(v, quote));
        b->backslash |= MASK(_mm_cmpeq_epi8(v, slash));
        b->comma |= MASK(_mm_cmpeq_epi8(v, comma));
        b->open |= MASK(_mm_or_si128(_mm_cmpeq_epi8(v, curly), _mm_cmpeq_epi8(v, square)));
        b->close |=
            MASK(_mm_or_si128(_mm_cmpeq_epi8(v, curly_end), _mm_cmpeq_epi8(v, square_end)));
#undef MASK
    }
#else
    memset(b, 0, sizeof *b);
    for (int i = 0; i < 64; i++) {
        uint64_t bit = 1ULL << i;
        uint8_t c = p[i];
        b->quote |= c == '"' ? bit : 0;
        b->backslash |= c == '\\' ? bit : 0;
        b->comma |= c == ',' ? bit : 0;
        b->open |= (c == '{' || c == '[') ? bit : 0;
        b->close |= (c == '}' || c == ']') ? bit : 0;
    }
#endif
}

/* Bit i set when an odd number of bits at or below i are set in x. */
static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The key that starts after p[at] ('{' or ','): whether it is a name. A record
 * without keys ('{}') has none to check. */
static int key_after(const uint8_t *p, Py_ssize_t at, Py_ssize_t n, const Names *names,
                     Py_ssize_t *next)
{
    Py_ssize_t i = at + 1;
    while (i < n && is_space(p[i]))
        i++;
    if (i < n && p[i] == '}' && p[at] == '{')
        return 1;
    if (i >= n || p[i] != '"')
        return 0; /* not JSON: polars refuses it */
    if (names->count && *next < names->count) {
        const Key *guess = &names->keys[*next];
        if (i + 18 + guess->size <= n && starts_key(guess, p + i)) {
            *next += 1;
            return 1;
        }
    }
    Py_ssize_t end = string_stop(p, i + 1, n);
    if (end >= n || p[end] != '"')
        return 0; /* an escape in the key, or no end */
    return known(names, p + i + 1, end - i - 1, next);
}

/* The offset of the first unknown key of a top-level record, or -1.
 *
 * The bytes are walked 64 at a time, as simdjson does: masks of quotes, brackets and
 * commas; quotes escaped by a backslash are dropped; a prefix XOR of the quotes
 * marks the bytes inside strings; the brackets and commas outside them are visited
 * in order, and after each '{' or ',' at depth 1 the key that follows is looked up.
 */
static Py_ssize_t scan(const uint8_t *p, Py_ssize_t n, const Names *names)
{
    Py_ssize_t depth = 0, next = 0;
    uint64_t in_string = 0;    /* all ones when the previous block ended in a string */
    uint64_t escape_carry = 0; /* 1 when the first byte is escaped */
    uint8_t tail[64];
    for (Py_ssize_t start = 0; start < n; start += 64) {
        const uint8_t *at = p + start;
        if (n - start < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, at, (size_t)(n - start));
            at = tail;
        }
        Block b;
        block_masks(at, &b);
        uint64_t escaped = escape_carry;
        escape_carry = 0;
        uint64_t slashes = b.backslash & ~escaped;
        while (slashes) {
            int k = __builtin_ctzll(slashes);
            if (k == 63)
                escape_carry = 1;
            else
                escaped |= 1ULL << (k + 1);
            slashes &= slashes - 1;
            slashes &= ~escaped;
        }
        uint64_t quotes = b.quote & ~escaped;
        uint64_t inside = prefix_xor(quotes) ^ in_string;
        in_string = (uint64_t)0 - (inside >> 63);
        uint64_t events = (b.open | b.close | b.comma) & ~inside;
        while (events) {
            int k = __builtin_ctzll(events);
            uint64_t bit = 1ULL << k;
            Py_ssize_t pos = start + k;
            events &= events - 1;
            if (b.open & bit) {
                if (++depth == 1) {
                    next = 0;
                    if (p[pos] == '{' && !key_after(p, pos, n, names, &next))
                        return pos;
                }
            }
            else if (b.close & bit) {
                if (--depth < 0)
                    return pos; /* more closing than opening: polars refuses it */
            }
            else if (depth == 1 && !key_after(p, pos, n, names, &next))
                return pos;
        }
    }
    return in_string ? n : -1; /* a string left open: polars refuses it */
}

static PyObject *py_unknown_key(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer data;
    PyObject *keys;
    if (!PyArg_ParseTuple(args, "y*O!", &data, &PyTuple_Type, &keys))
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(keys), size = 4;
    while (size < 2 * count)
        size <<= 1;
    Names names = {PyMem_Calloc((size_t)(count ? count : 1), sizeof(Key)), count,
                   PyMem_Calloc((size_t)size, sizeof(Py_ssize_t)), size - 1};
    Py_ssize_t found = -1;
    if (names.keys == NULL || names.slots == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *name = PyTuple_GET_ITEM(keys, k);
        if (!PyBytes_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "keys must be a tuple of bytes");
            goto done;
        }
        names.keys[k].name = (const uint8_t *)PyBytes_AS_STRING(name);
        names.keys[k].size = PyBytes_GET_SIZE(name);
        memcpy(names.keys[k].head, names.keys[k].name,
               (size_t)(names.keys[k].size < 16 ? names.keys[k].size : 16));
        Py_ssize_t slot = (Py_ssize_t)(fnv(names.keys[k].name, names.keys[k].size) &
                                       (uint64_t)names.mask);
        while (names.slots[slot])
            slot = (slot + 1) & names.mask;
        names.slots[slot] = k + 1;
    }
    Py_BEGIN_ALLOW_THREADS
    found = scan((const uint8_t *)data.buf, data.len, &names);
    Py_END_ALLOW_THREADS
    PyMem_Free(names.keys);
    PyMem_Free(names.slots);
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(found);
done:
    PyMem_Free(names.keys);
    PyMem_Free(names.slots);
    PyBuffer_Release(&data);
    return NULL;
}

static PyMethodDef methods[] = {
    {"unknown_key", py_unknown_key, METH_VARARGS,
     "unknown_key(data, keys) -> int: the offset in data (JSON Lines bytes) of the "
     "first key of a top-level record that is not in keys (a tuple of bytes), or -1. "
     "A key written with an escape counts as unknown."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_jsonkeys",
    "The keys of JSON Lines records, checked against a schema's (io/_jsonl.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__jsonkeys(void)
{
    return PyModule_Create(&module);
}
