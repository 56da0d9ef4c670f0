/* The compaction of pipewarden's KLL sketch (profiles/_kll.py), compiled.
 *
 * _kll._compacted halves the lowest full level of a sketch until it fits its capacity:
 * a Python loop of numpy calls, about 25 of them for a chunk of 125,000 sorted values,
 * ten columns a chunk, and as many again for every merge. This is the same loop in C,
 * step for step: the same capacities (DataSketches' int_cap_aux), the same level
 * chosen, the same pseudo-random bit, the same items kept and promoted, and the same
 * merge of two sorted runs (the first run's items before equal items of the second,
 * as numpy's stable sort leaves them). So the sketch is the same, to the bit, with or
 * without it; the tests check that against the Python loop, which remains the path
 * where no C compiler was found.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "../_native.h" /* get_buffer */

#define M 8 /* DataSketches' minimum level capacity */
#define MAX_LEVELS 62

/* DataSketches' int_cap_aux: about k * (2/3)**depth, rounded as it rounds. */
static uint64_t cap_aux(uint64_t k, unsigned depth)
{
    if (depth > 30) {
        unsigned half = depth / 2;
        return cap_aux(cap_aux(k, half), depth - half);
    }
    uint64_t power = 1;
    for (unsigned i = 0; i < depth; i++)
        power *= 3;
    return (((2 * k) << depth) / power + 1) >> 1;
}

static Py_ssize_t level_capacity(uint64_t k, Py_ssize_t levels, Py_ssize_t height)
{
    uint64_t cap = cap_aux(k, (unsigned)(levels - height - 1));
    return cap > M ? (Py_ssize_t)cap : M;
}

static Py_ssize_t total_capacity(uint64_t k, Py_ssize_t levels)
{
    Py_ssize_t total = 0;
    for (Py_ssize_t h = 0; h < levels; h++)
        total += level_capacity(k, levels, h);
    return total;
}

typedef struct {
    double *v;
    Py_ssize_t n;
    int borrowed; /* v is the caller's buffer (read only), not a malloc'd run */
} Level;

/* _kll._bit: a pseudo-random bit fixed by the sketch's size and the level (splitmix64). */
static unsigned pick_bit(uint64_t n, Py_ssize_t height, Py_ssize_t size)
{
    uint64_t z = n * 0x9E3779B97F4A7C15ULL + ((uint64_t)height << 48) + (uint64_t)size;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (unsigned)((z ^ (z >> 31)) & 1);
}

/* The levels of a sketch of n items, compacted as _kll._compacted compacts them: 0, or
 * -1 out of memory. levels[0 .. *count) each own a malloc'd run (or NULL when empty). */
static int compact(uint64_t k, uint64_t n, Level *levels, Py_ssize_t *count)
{
    Py_ssize_t num = *count, total = 0;
    for (Py_ssize_t h = 0; h < num; h++)
        total += levels[h].n;
    while (total > total_capacity(k, num)) {
        Py_ssize_t height = -1;
        for (Py_ssize_t h = 0; h < num; h++) {
            if (levels[h].n >= level_capacity(k, num, h)) {
                height = h;
                break;
            }
        }
        if (height < 0) { /* as _lowest_full: the largest level, the first of equals */
            height = 0;
            for (Py_ssize_t h = 1; h < num; h++)
                if (levels[h].n > levels[height].n)
                    height = h;
        }
        if (height == num - 1) {
            if (num == MAX_LEVELS)
                return -1; /* 2**62 items: not reachable */
            levels[num].v = NULL;
            levels[num].n = 0;
            num++;
        }
        Py_ssize_t cap = level_capacity(k, num, height);
        Level *level = &levels[height], *up = &levels[height + 1];
        Py_ssize_t size = level->n, ends = cap / 4;
        unsigned odd = pick_bit(n, height, size);
        Py_ssize_t most = size >= 2 ? (size - 2) / 2 : 0;
        if (ends > most)
            ends = most;
        Py_ssize_t middle = size - 2 * ends, spare = middle % 2;
        Py_ssize_t promoted = (middle - spare) / 2;
        /* The promoted items merged into the level above (the level above's first). */
        double *merged = PyMem_RawMalloc((size_t)(up->n + promoted) * sizeof(double) + 1);
        if (merged == NULL)
            return -1;
        const double *from = level->v + ends + spare + odd;
        Py_ssize_t i = 0, j = 0, out = 0;
        while (i < up->n && j < promoted) {
            double a = up->v[i], b = from[2 * j];
            if (a <= b) {
                merged[out++] = a;
                i++;
            } else {
                merged[out++] = b;
                j++;
            }
        }
        while (i < up->n)
            merged[out++] = up->v[i++];
        while (j < promoted) {
            merged[out++] = from[2 * j];
            j++;
        }
        if (!up->borrowed)
            PyMem_RawFree(up->v);
        up->v = merged;
        up->n = out;
        up->borrowed = 0;
        /* What stays: the lowest ends, the first middle item if the middle is odd, the
         * highest ends (in place, or a run of their own if the level was borrowed). */
        Py_ssize_t stays = 2 * ends + spare;
        if (level->borrowed) {
            double *own = PyMem_RawMalloc((size_t)stays * sizeof(double) + 1);
            if (own == NULL)
                return -1;
            memcpy(own, level->v, (size_t)(ends + spare) * sizeof(double));
            memcpy(own + ends + spare, level->v + size - ends, (size_t)ends * sizeof(double));
            level->v = own;
            level->borrowed = 0;
        } else {
            memmove(level->v + ends + spare, level->v + size - ends,
                    (size_t)ends * sizeof(double));
        }
        level->n = stays;
        total -= promoted;
    }
    while (num > 1 && levels[num - 1].n == 0)
        num--; /* its run, if any, is freed with the others */
    *count = num;
    return 0;
}

static PyObject *py_compacted(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long k, n;
    PyObject *list;
    if (!PyArg_ParseTuple(args, "KKO!", &k, &n, &PyList_Type, &list))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(list);
    if (k < 1 || k > 65535) {
        PyErr_SetString(PyExc_ValueError, "k must be between 1 and 65535");
        return NULL;
    }
    if (count > MAX_LEVELS - 1) {
        PyErr_SetString(PyExc_ValueError, "too many levels");
        return NULL;
    }
    Level levels[MAX_LEVELS];
    Py_buffer views[MAX_LEVELS];
    memset(levels, 0, sizeof levels);
    PyObject *result = NULL;
    Py_ssize_t held = 0;
    for (; held < count; held++) {
        if (get_buffer(PyList_GET_ITEM(list, held), &views[held], 0, sizeof(double),
                       "level") < 0)
            goto done;
        levels[held].v = views[held].buf; /* read only: copied before it changes */
        levels[held].n = views[held].len / (Py_ssize_t)sizeof(double);
        levels[held].borrowed = 1;
    }
    if (count == 0)
        count = 1; /* no levels: one empty level, as _compacted starts */
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = compact((uint64_t)k, (uint64_t)n, levels, &count);
    Py_END_ALLOW_THREADS
    if (status < 0) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t items = 0;
    for (Py_ssize_t h = 0; h < count; h++)
        items += levels[h].n;
    PyObject *blob = PyBytes_FromStringAndSize(NULL, items * (Py_ssize_t)sizeof(double));
    PyObject *sizes = blob ? PyTuple_New(count) : NULL;
    if (sizes != NULL) {
        char *at = PyBytes_AS_STRING(blob);
        for (Py_ssize_t h = 0; h < count; h++) {
            if (levels[h].n)
                memcpy(at, levels[h].v, (size_t)levels[h].n * sizeof(double));
            at += levels[h].n * (Py_ssize_t)sizeof(double);
            PyTuple_SET_ITEM(sizes, h, PyLong_FromSsize_t(levels[h].n));
        }
        result = PyTuple_Pack(2, blob, sizes);
    }
    Py_XDECREF(blob);
    Py_XDECREF(sizes);
done:
    for (Py_ssize_t h = 0; h < MAX_LEVELS; h++)
        if (!levels[h].borrowed)
            PyMem_RawFree(levels[h].v);
    for (Py_ssize_t h = 0; h < held; h++)
        PyBuffer_Release(&views[h]);
    return result;
}

static PyMethodDef methods[] = {
    {"compacted", py_compacted, METH_VARARGS,
     "compacted(k, n, levels) -> (items, sizes): the levels (a list of sorted float64 "
     "buffers, level h of weight 2**h) of a KLL sketch of n items and parameter k, "
     "compacted as profiles._kll._compacted compacts them; items holds the levels "
     "after it one after another (float64 bytes), sizes their lengths."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kllcore",
    "The compaction of pipewarden's KLL sketch, compiled (an optional accelerator).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kllcore(void) { return PyModule_Create(&module); }
