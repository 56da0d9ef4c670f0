/* What pipewarden's C modules share, in one place: get_buffer, a buffer of whole items
 * taken from a Python object, and Views, an Arrow string-view array read in place
 * (views_open takes and checks its buffers, views_close gives them back).
 *
 * Each C module that uses them includes this header as "../_native.h" (profiles/_murmur.c
 * and engines/_textstats.c; io/_jsonkeys.c takes its one buffer with "y*" and needs
 * none of it). hatch_build.py compiles every module on its own, so the header holds
 * static functions only, inline so that a module leaves out what it does not call.
 */
#ifndef PIPEWARDEN_NATIVE_H
#define PIPEWARDEN_NATIVE_H

#ifndef PY_SSIZE_T_CLEAN
#define PY_SSIZE_T_CLEAN
#endif
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The C-contiguous buffer of obj (writable if asked): 0, or -1 with an exception set
 * (a ValueError naming `what` when its size is not a whole number of item bytes). */
static inline int get_buffer(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t item,
                             const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->len % item) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of %zd-byte items",
                     what, view->len, item);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Whether row is set in an Arrow validity bitmap (least significant bit first). */
static inline int is_valid(const uint8_t *valid, Py_ssize_t row)
{
    return (valid[row >> 3] >> (row & 7)) & 1;
}

/* Why the count views from offset cannot be read (NULL: they can), and how many of
 * them are null. Every view of a non-null value is checked: a negative length, or a
 * long string outside its data buffer (index below nbuf, at and at + len inside
 * sizes[index]). */
static inline const char *check_views(const uint8_t *views, const uint8_t *valid,
                                      Py_ssize_t offset, Py_ssize_t count,
                                      const Py_ssize_t *sizes, Py_ssize_t nbuf,
                                      Py_ssize_t *nulls)
{
    unsigned bad = 0; /* bit 0: a negative length; bit 1: outside a data buffer */
    Py_ssize_t absent = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (valid && !is_valid(valid, offset + i)) {
            absent++;
            continue; /* null: its view is not read */
        }
        const uint8_t *v = views + 16 * (offset + i);
        int32_t len, index, at;
        memcpy(&len, v, 4);
        bad |= len < 0;
        if (len > 12) {
            memcpy(&index, v + 8, 4);
            memcpy(&at, v + 12, 4);
            if (index < 0 || index >= nbuf || at < 0 || (Py_ssize_t)at + len > sizes[index])
                bad |= 2;
        }
    }
    *nulls = absent;
    return bad & 1 ? "a string view has a negative length"
           : bad   ? "a string view points outside its data buffer"
                   : NULL;
}

/* An Arrow string-view array, as Polars and pyarrow lay it out: a views buffer of
 * 16-byte views (the length first; up to 12 bytes inline after it, longer strings at
 * (buffer index, offset) in the data buffers), a list of data buffers and a validity
 * bitmap (or none). Everything views_open sets is read-only while the buffers are
 * held, with the GIL released too. */
typedef struct {
    Py_buffer views, validity;
    Py_buffer *datas;       /* nbuf data buffers */
    const uint8_t **bufs;   /* their addresses and sizes: all a scan reads of them */
    Py_ssize_t *sizes;
    Py_ssize_t nbuf, got;   /* got: how many of datas are held */
    const uint8_t *valid;   /* validity.buf, or NULL: no value is null */
    Py_ssize_t nulls;       /* how many of the count views from offset are null */
    int have_views, have_validity;
} Views;

/* Gives back what views_open holds; safe to call again. */
static inline void views_close(Views *a)
{
    if (a->have_views)
        PyBuffer_Release(&a->views);
    for (Py_ssize_t i = 0; i < a->got; i++)
        PyBuffer_Release(&a->datas[i]);
    PyMem_Free(a->datas);
    PyMem_Free(a->bufs);
    PyMem_Free(a->sizes);
    if (a->have_validity)
        PyBuffer_Release(&a->validity);
    a->have_views = a->have_validity = 0;
    a->got = 0;
    a->datas = NULL;
    a->bufs = NULL;
    a->sizes = NULL;
    a->valid = NULL;
}

/* Takes the buffers of a string-view array (vobj: its views; dlist: a list of its data
 * buffers; nobj: its validity bitmap or None) and checks that the count views from
 * offset can be read: the views and the validity long enough, every non-null view
 * inside its data buffer (check_views). 0, the buffers held until views_close; or -1
 * with an exception set (a ValueError when the array is not as described) and
 * nothing held. */
static inline int views_open(Views *a, PyObject *vobj, PyObject *dlist, PyObject *nobj,
                             Py_ssize_t offset, Py_ssize_t count)
{
    Py_ssize_t nbuf = PyList_GET_SIZE(dlist), slots = nbuf ? nbuf : 1;
    const char *error = NULL;
    memset(a, 0, sizeof *a);
    a->nbuf = nbuf;
    a->datas = PyMem_Calloc((size_t)slots, sizeof(Py_buffer));
    a->bufs = PyMem_Calloc((size_t)slots, sizeof *a->bufs);
    a->sizes = PyMem_Calloc((size_t)slots, sizeof *a->sizes);
    if (a->datas == NULL || a->bufs == NULL || a->sizes == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (get_buffer(vobj, &a->views, 0, 16, "views") < 0)
        goto fail;
    a->have_views = 1;
    for (; a->got < nbuf; a->got++) {
        Py_buffer *data = &a->datas[a->got];
        if (get_buffer(PyList_GET_ITEM(dlist, a->got), data, 0, 1, "data") < 0)
            goto fail;
        a->bufs[a->got] = data->buf;
        a->sizes[a->got] = data->len;
    }
    if (nobj != Py_None) {
        if (get_buffer(nobj, &a->validity, 0, 1, "validity") < 0)
            goto fail;
        a->have_validity = 1;
        a->valid = a->validity.buf;
    }
    Py_ssize_t length = a->views.len / 16;
    if (offset < 0 || count < 0 || offset > length || count > length - offset ||
        (a->have_validity && (offset + count + 7) / 8 > a->validity.len))
        error = "views or validity are shorter than offset + count";
    else
        error = check_views(a->views.buf, a->valid, offset, count, a->sizes, nbuf, &a->nulls);
    if (error == NULL)
        return 0;
    PyErr_SetString(PyExc_ValueError, error);
fail:
    views_close(a);
    return -1;
}

#endif /* PIPEWARDEN_NATIVE_H */
