/* The Theta hash of profiles.hashing, compiled: MurmurHash3_x64_128 (first 64 bits,
 * shifted right by one) of 8-byte words or of Arrow-laid-out strings.
 *
 * An optional accelerator: profiles/hashing.py computes the same hashes with numpy
 * when this module is not built, and the tests check the two agree with each other
 * and with Apache DataSketches. Each function works on buffers the caller owns
 * (numpy arrays): hash_* write every hash to `out` in order; smallest_* keep only
 * the k smallest distinct hashes (what a Theta sketch keeps), sorted, and return how
 * many. The GIL is released while they run.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "../_native.h" /* get_buffer, the string views' Views */

#define C1 0x87c37b91114253d5ULL
#define C2 0x4cf5ad432745937fULL

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t fmix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t k;
    memcpy(&k, p, 8);
    return k; /* little-endian machines only: checked at import */
}

static inline uint64_t finish(uint64_t h1, uint64_t h2, uint64_t len)
{
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    return (h1 + h2) >> 1;
}

static void hash_words(const uint64_t *words, uint64_t *out, Py_ssize_t n, int doubles,
                       uint64_t seed)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t k = words[i];
        if (doubles) { /* -0.0 + 0.0 is 0.0: DataSketches' canonical double */
            double d;
            memcpy(&d, &k, 8);
            d += 0.0;
            memcpy(&k, &d, 8);
        }
        k *= C1;
        k = rotl(k, 31);
        k *= C2;
        out[i] = finish(seed ^ k, seed, 8);
    }
}

static uint64_t hash_bytes(const uint8_t *p, uint64_t len, uint64_t seed)
{
    uint64_t h1 = seed, h2 = seed;
    uint64_t blocks = len / 16;
    for (uint64_t b = 0; b < blocks; b++, p += 16) {
        uint64_t k1 = load64(p), k2 = load64(p + 8);
        k1 *= C1;
        k1 = rotl(k1, 31);
        k1 *= C2;
        h1 ^= k1;
        h1 = rotl(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        k2 *= C2;
        k2 = rotl(k2, 33);
        k2 *= C1;
        h2 ^= k2;
        h2 = rotl(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
    }
    /* The last 0-15 bytes as two little-endian words, zero-padded (the reference's
     * byte-by-byte tail switch): a string of 16 bytes or more has them at the top
     * of its last 16 bytes, read as two words and shifted down; a shorter one is
     * copied out. */
    unsigned tail = (unsigned)(len & 15);
    uint64_t k1 = 0, k2 = 0;
    if (tail && len >= 16) {
        uint64_t lo = load64(p + tail - 16), hi = load64(p + tail - 8);
        unsigned shift = 8 * (16 - tail); /* 8..120 */
        if (shift >= 64) {
            k1 = shift == 64 ? hi : hi >> (shift - 64);
        } else {
            k1 = (lo >> shift) | (hi << (64 - shift));
            k2 = hi >> shift;
        }
    } else if (tail) {
        uint8_t rest[16] = {0};
        memcpy(rest, p, tail);
        k1 = load64(rest);
        k2 = load64(rest + 8);
    }
    if (tail > 8) {
        k2 *= C2;
        k2 = rotl(k2, 33);
        k2 *= C1;
        h2 ^= k2;
    }
    if (tail) {
        k1 *= C1;
        k1 = rotl(k1, 31);
        k1 *= C2;
        h1 ^= k1;
    }
    return finish(h1, h2, len);
}

/* Ascending order of n hashes: LSD radix sort, a byte at a time, skipping the bytes
 * all of them share (the high bytes of the smallest hashes); tmp holds n items. */
static void radix_sort(uint64_t *a, uint64_t *tmp, Py_ssize_t n)
{
    static const int bytes = 8;
    Py_ssize_t count[8][256];
    memset(count, 0, sizeof count);
    for (Py_ssize_t i = 0; i < n; i++)
        for (int b = 0; b < bytes; b++)
            count[b][(a[i] >> (8 * b)) & 255]++;
    uint64_t *src = a, *dst = tmp;
    for (int b = 0; b < bytes && n > 1; b++) {
        int shift = 8 * b;
        if (count[b][(src[0] >> shift) & 255] == n)
            continue; /* every hash has this byte: already in order by it */
        Py_ssize_t at = 0;
        for (int d = 0; d < 256; d++) {
            Py_ssize_t c = count[b][d];
            count[b][d] = at;
            at += c;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            dst[count[b][(src[i] >> shift) & 255]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
}

/* Sort, drop repeats, keep the k smallest: returns how many are kept. */
static Py_ssize_t keep_smallest(uint64_t *a, uint64_t *tmp, Py_ssize_t n, Py_ssize_t k)
{
    radix_sort(a, tmp, n);
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n && m < k; i++)
        if (m == 0 || a[i] != a[m - 1])
            a[m++] = a[i];
    return m;
}

/* The k smallest distinct hashes of a stream, in out (capacity cap >= 2k): hashes
 * are appended while below the k-th smallest kept so far; a full buffer is sorted
 * and cut back to the k smallest, which lowers that bound. */
typedef struct {
    uint64_t *out, *tmp;
    Py_ssize_t cap, k, m;
    uint64_t bound; /* a hash must be below it to be kept: the caller's guess (all
                     * ones for none), then the k-th smallest once k are kept */
} Smallest;

static inline void smallest_add(Smallest *s, uint64_t h)
{
    if (h >= s->bound) /* hashes are below 2**63: all pass an all-ones bound */
        return;
    s->out[s->m++] = h;
    if (s->m == s->cap) {
        s->m = keep_smallest(s->out, s->tmp, s->m, s->k);
        if (s->m == s->k)
            s->bound = s->out[s->k - 1];
    }
}

static const char *check_offsets(const int64_t *off, Py_ssize_t n, Py_ssize_t size)
{
    for (Py_ssize_t i = 0; i < n; i++) /* never read outside data */
        if (off[i] < 0 || off[i] > off[i + 1] || off[i + 1] > size)
            return "offsets are not ascending positions inside data";
    return NULL;
}

static PyObject *py_hash_words(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *wobj, *oobj;
    int doubles;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OOpK", &wobj, &oobj, &doubles, &seed))
        return NULL;
    Py_buffer words, out;
    if (get_buffer(wobj, &words, 0, 8, "words") < 0)
        return NULL;
    if (get_buffer(oobj, &out, 1, 8, "out") < 0) {
        PyBuffer_Release(&words);
        return NULL;
    }
    Py_ssize_t n = words.len / 8;
    int fits = out.len / 8 >= n;
    if (fits) {
        Py_BEGIN_ALLOW_THREADS
        hash_words((const uint64_t *)words.buf, (uint64_t *)out.buf, n, doubles, seed);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&words);
    PyBuffer_Release(&out);
    if (!fits) {
        PyErr_SetString(PyExc_ValueError, "out is shorter than words");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_hash_strings(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *fobj, *dobj, *oobj;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OOOK", &fobj, &dobj, &oobj, &seed))
        return NULL;
    Py_buffer offsets, data, out;
    if (get_buffer(fobj, &offsets, 0, 8, "offsets") < 0)
        return NULL;
    if (get_buffer(dobj, &data, 0, 1, "data") < 0) {
        PyBuffer_Release(&offsets);
        return NULL;
    }
    if (get_buffer(oobj, &out, 1, 8, "out") < 0) {
        PyBuffer_Release(&offsets);
        PyBuffer_Release(&data);
        return NULL;
    }
    const int64_t *off = (const int64_t *)offsets.buf;
    Py_ssize_t n = offsets.len / 8 - 1;
    const char *error = NULL;
    if (n < 0)
        n = 0;
    if (out.len / 8 < n)
        error = "out is shorter than the strings";
    if (!error && n > 0)
        error = check_offsets(off, n, data.len);
    if (!error) {
        const uint8_t *bytes = (const uint8_t *)data.buf;
        uint64_t *o = (uint64_t *)out.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++)
            o[i] = hash_bytes(bytes + off[i], (uint64_t)(off[i + 1] - off[i]), seed);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    PyBuffer_Release(&out);
    if (error) {
        PyErr_SetString(PyExc_ValueError, error);
        return NULL;
    }
    Py_RETURN_NONE;
}

static int smallest_buffers(PyObject *oobj, PyObject *tobj, Py_ssize_t k, uint64_t bound,
                            Py_buffer *out, Py_buffer *tmp, Smallest *s)
{
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "k must be at least 1");
        return -1;
    }
    if (get_buffer(oobj, out, 1, 8, "out") < 0)
        return -1;
    if (get_buffer(tobj, tmp, 1, 8, "tmp") < 0) {
        PyBuffer_Release(out);
        return -1;
    }
    if (out->len / 8 < 2 * k || tmp->len < out->len) {
        PyErr_SetString(PyExc_ValueError, "out must hold 2k hashes, and tmp as many as out");
        PyBuffer_Release(out);
        PyBuffer_Release(tmp);
        return -1;
    }
    s->out = (uint64_t *)out->buf;
    s->tmp = (uint64_t *)tmp->buf;
    s->cap = out->len / 8;
    s->k = k;
    s->m = 0;
    s->bound = bound;
    return 0;
}

static PyObject *py_smallest_words(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *wobj, *oobj, *tobj;
    int doubles;
    unsigned long long seed;
    unsigned long long bound;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "OpKnKOO", &wobj, &doubles, &seed, &k, &bound, &oobj, &tobj))
        return NULL;
    Py_buffer words, out, tmp;
    Smallest s;
    if (get_buffer(wobj, &words, 0, 8, "words") < 0)
        return NULL;
    if (smallest_buffers(oobj, tobj, k, bound, &out, &tmp, &s) < 0) {
        PyBuffer_Release(&words);
        return NULL;
    }
    const uint64_t *w = (const uint64_t *)words.buf;
    Py_ssize_t n = words.len / 8;
    Py_BEGIN_ALLOW_THREADS
    uint64_t block[256];
    for (Py_ssize_t start = 0; start < n; start += 256) {
        Py_ssize_t size = n - start < 256 ? n - start : 256;
        hash_words(w + start, block, size, doubles, seed);
        for (Py_ssize_t i = 0; i < size; i++)
            smallest_add(&s, block[i]);
    }
    s.m = keep_smallest(s.out, s.tmp, s.m, s.k);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&words);
    PyBuffer_Release(&out);
    PyBuffer_Release(&tmp);
    return PyLong_FromSsize_t(s.m);
}

static PyObject *py_smallest_strings(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *fobj, *dobj, *oobj, *tobj;
    unsigned long long seed;
    unsigned long long bound;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "OOKnKOO", &fobj, &dobj, &seed, &k, &bound, &oobj, &tobj))
        return NULL;
    Py_buffer offsets, data, out, tmp;
    Smallest s;
    if (get_buffer(fobj, &offsets, 0, 8, "offsets") < 0)
        return NULL;
    if (get_buffer(dobj, &data, 0, 1, "data") < 0) {
        PyBuffer_Release(&offsets);
        return NULL;
    }
    if (smallest_buffers(oobj, tobj, k, bound, &out, &tmp, &s) < 0) {
        PyBuffer_Release(&offsets);
        PyBuffer_Release(&data);
        return NULL;
    }
    const int64_t *off = (const int64_t *)offsets.buf;
    Py_ssize_t n = offsets.len / 8 - 1;
    const char *error = n > 0 ? check_offsets(off, n, data.len) : NULL;
    if (!error) {
        const uint8_t *bytes = (const uint8_t *)data.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++)
            smallest_add(&s, hash_bytes(bytes + off[i], (uint64_t)(off[i + 1] - off[i]), seed));
        s.m = keep_smallest(s.out, s.tmp, s.m, s.k);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    PyBuffer_Release(&out);
    PyBuffer_Release(&tmp);
    if (error) {
        PyErr_SetString(PyExc_ValueError, error);
        return NULL;
    }
    return PyLong_FromSsize_t(s.m);
}

/* The k smallest distinct hashes of the non-null strings of an Arrow string-view
 * array (_native.h's Views). */
static PyObject *py_smallest_views(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *vobj, *dlist, *nobj, *oobj, *tobj;
    Py_ssize_t offset, count, k;
    unsigned long long seed, bound;
    if (!PyArg_ParseTuple(args, "OO!OnnKnKOO", &vobj, &PyList_Type, &dlist, &nobj, &offset,
                          &count, &seed, &k, &bound, &oobj, &tobj))
        return NULL;
    Views a;
    Py_buffer out, tmp;
    Smallest s;
    if (views_open(&a, vobj, dlist, nobj, offset, count) < 0)
        return NULL;
    if (smallest_buffers(oobj, tobj, k, bound, &out, &tmp, &s) < 0) {
        views_close(&a);
        return NULL;
    }
    const Py_buffer *datas = a.datas;
    const uint8_t *valid = a.valid, *v;
    Py_BEGIN_ALLOW_THREADS
    v = (const uint8_t *)a.views.buf + 16 * offset;
    for (Py_ssize_t i = 0; i < count; i++, v += 16) {
        Py_ssize_t row = offset + i;
        if (valid && !((valid[row >> 3] >> (row & 7)) & 1))
            continue; /* null: not hashed */
        int32_t len, index, at;
        memcpy(&len, v, 4);
        const uint8_t *bytes = v + 4;
        if (len > 12) {
            memcpy(&index, v + 8, 4);
            memcpy(&at, v + 12, 4);
            bytes = (const uint8_t *)datas[index].buf + at;
        }
        smallest_add(&s, hash_bytes(bytes, (uint64_t)len, seed));
    }
    s.m = keep_smallest(s.out, s.tmp, s.m, s.k);
    Py_END_ALLOW_THREADS
    views_close(&a);
    PyBuffer_Release(&out);
    PyBuffer_Release(&tmp);
    return PyLong_FromSsize_t(s.m);
}

static PyMethodDef methods[] = {
    {"hash_words", py_hash_words, METH_VARARGS,
     "hash_words(words, out, doubles, seed) -> None: the hashes of uint64 words "
     "(of float64 values made canonical, with doubles), written to out in order."},
    {"hash_strings", py_hash_strings, METH_VARARGS,
     "hash_strings(offsets, data, out, seed) -> None: as hash_words, for the "
     "strings data[offsets[i]:offsets[i+1]] (offsets: int64)."},
    {"smallest_words", py_smallest_words, METH_VARARGS,
     "smallest_words(words, doubles, seed, k, bound, out, tmp) -> int: the k smallest "
     "distinct hashes below bound of the words, sorted, in out[:m] (out and tmp: scratch "
     "of at least 2k); returns m. Fewer than k below a guessed bound: try again without."},
    {"smallest_strings", py_smallest_strings, METH_VARARGS,
     "smallest_strings(offsets, data, seed, k, bound, out, tmp) -> int: as smallest_words, for "
     "strings laid out as in hash_strings."},
    {"smallest_views", py_smallest_views, METH_VARARGS,
     "smallest_views(views, data, validity, offset, count, seed, k, bound, out, tmp) -> "
     "int: as smallest_words, for the non-null strings of an Arrow string-view array: "
     "its views buffer, list of data buffers and validity bitmap (or None)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_murmur",
    "The Theta hash of profiles.hashing, compiled (an optional accelerator).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__murmur(void)
{
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe != 1) { /* the hash reads words little-endian */
        PyErr_SetString(PyExc_ImportError, "_murmur needs a little-endian machine");
        return NULL;
    }
    return PyModule_Create(&module);
}
