/* pipeline._speedups: the segment stage's per-token loop, in C (the one native part left).
 *
 * TagTable: a table word -> POS tag with the interface of pipeline.segment.PyTagTable
 *     set(word, tag), get(word) -> tag or None, clear(), len(),
 *     words_and_tags(words) -> (kept, tags)
 *         kept: the items of the list ``words`` that are not whitespace-only strings;
 *         tags: for each kept word its tag, or None when the table lacks it.
 *
 * Why C: after bare rjieba.cut, the segment stage's cost is this loop over every token
 * (the segment bench: the stage at 0.75 of bare rjieba's speed with it, 0.5 without).
 * Through a Python dict each token costs a SipHash of a fresh string plus three scattered
 * memory reads (index, entry, the key's characters). Here a word of up to INLINE_UNITS
 * UCS-2 code units (nearly every Chinese word) is hashed with FNV-1a and found in one
 * 32-byte slot that holds its characters inline; longer words, empty strings and words
 * with characters beyond U+FFFF go to an ordinary dict. The Python class in segment.py
 * is the reference: a test checks both give the same answers. The extension is optional:
 * without a C compiler the package installs, warns, and runs the Python class (as it does
 * with POLICY_CORPUS_NO_NATIVE=1).
 *
 * Safety: words and tags must be exact str (not subclasses), so no method runs Python code
 * (exact-str hashing and comparison are C) and the table holds only strings: it cannot
 * be part of a reference cycle, hence no GC support. The loop in words_and_tags still
 * holds a reference to each word while it uses it. tests/test_speedups.py checks it against
 * the Python class and in a stress run with gc.collect() between calls; it also passes under
 * the sanitizers: build with -fsanitize=address,undefined, run the tests with
 * LD_PRELOAD=<libasan.so>:<libubsan.so> ASAN_OPTIONS=detect_leaks=0 PYTHONMALLOC=malloc.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define INLINE_UNITS 12

typedef struct {
    uint32_t hash;                  /* 0: empty slot */
    uint16_t tag;                   /* index into TagTable.tags */
    uint16_t len;                   /* code units */
    uint16_t units[INLINE_UNITS];   /* the word's characters, zero-padded */
} Slot;                             /* 32 bytes */

typedef struct {
    PyObject_HEAD
    Slot *slots;
    Py_ssize_t mask;        /* capacity - 1; capacity a power of two */
    Py_ssize_t used;        /* words in slots */
    PyObject *tags;         /* list: distinct tag strings, by index */
    PyObject *tag_ids;      /* dict: tag string -> index */
    PyObject *overflow;     /* dict: word -> tag for words that do not fit a slot */
} TagTable;

/* Fills units/len/hash for a word that fits a slot; returns 0 when it does not. */
static int
slot_key(PyObject *word, uint16_t *units, uint16_t *len, uint32_t *hash)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    if (n == 0 || n > INLINE_UNITS || kind == PyUnicode_4BYTE_KIND)
        return 0;
    const void *data = PyUnicode_DATA(word);
    uint32_t h = 2166136261u;
    memset(units, 0, sizeof(uint16_t) * INLINE_UNITS);
    for (Py_ssize_t i = 0; i < n; i++) {
        uint16_t u = (uint16_t)PyUnicode_READ(kind, data, i);
        units[i] = u;
        h = (h ^ (u & 0xff)) * 16777619u;
        h = (h ^ (u >> 8)) * 16777619u;
    }
    *len = (uint16_t)n;
    *hash = h ? h : 1;
    return 1;
}

static Slot *
find_slot(TagTable *self, const uint16_t *units, uint16_t len, uint32_t hash)
{
    Py_ssize_t i = (Py_ssize_t)hash & self->mask;
    for (;;) {
        Slot *s = &self->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash == hash && s->len == len && memcmp(s->units, units, sizeof(s->units)) == 0)
            return s;
        i = (i + 1) & self->mask;
    }
}

static int
grow(TagTable *self)
{
    Py_ssize_t old_cap = self->mask + 1, new_cap = old_cap * 2;
    Slot *old = self->slots;
    Slot *fresh = PyMem_Calloc((size_t)new_cap, sizeof(Slot));
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->slots = fresh;
    self->mask = new_cap - 1;
    for (Py_ssize_t i = 0; i < old_cap; i++) {
        if (old[i].hash != 0)
            *find_slot(self, old[i].units, old[i].len, old[i].hash) = old[i];
    }
    PyMem_Free(old);
    return 0;
}

static int
check_ready(TagTable *self)
{
    if (self->slots == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "TagTable used before __init__");
        return -1;
    }
    return 0;
}

/* The tag of ``word`` (borrowed), NULL without an error when missing. */
static PyObject *
lookup(TagTable *self, PyObject *word)
{
    uint16_t units[INLINE_UNITS], len;
    uint32_t hash;
    if (!slot_key(word, units, &len, &hash))
        return PyDict_GetItemWithError(self->overflow, word);
    Slot *s = find_slot(self, units, len, hash);
    if (s->hash == 0)
        return NULL;
    return PyList_GET_ITEM(self->tags, s->tag);
}

static int
is_space_only(PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (n == 0)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            return 0;
    }
    return 1;
}

static int
check_str(PyObject *o, const char *what)
{
    if (!PyUnicode_CheckExact(o)) {
        PyErr_Format(PyExc_TypeError, "TagTable: %s must be str (not a subclass), not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    return 0;
}

static PyObject *
TagTable_set(TagTable *self, PyObject *args)
{
    PyObject *word, *tag;
    if (!PyArg_ParseTuple(args, "OO:set", &word, &tag) || check_str(word, "word") < 0
        || check_str(tag, "tag") < 0 || check_ready(self) < 0)
        return NULL;
    uint16_t units[INLINE_UNITS], len;
    uint32_t hash;
    if (!slot_key(word, units, &len, &hash)) {
        if (PyDict_SetItem(self->overflow, word, tag) < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    PyObject *id = PyDict_GetItemWithError(self->tag_ids, tag);
    Py_ssize_t tag_index;
    if (id == NULL) {
        if (PyErr_Occurred())
            return NULL;
        tag_index = PyList_GET_SIZE(self->tags);
        if (tag_index > UINT16_MAX) {
            PyErr_SetString(PyExc_OverflowError, "TagTable: more than 65536 distinct tags");
            return NULL;
        }
        PyObject *num = PyLong_FromSsize_t(tag_index);
        if (num == NULL)
            return NULL;
        int bad = PyDict_SetItem(self->tag_ids, tag, num) < 0 || PyList_Append(self->tags, tag) < 0;
        Py_DECREF(num);
        if (bad)
            return NULL;
    }
    else {
        tag_index = PyLong_AsSsize_t(id);
    }
    if ((self->used + 1) * 2 > self->mask + 1 && grow(self) < 0)
        return NULL;
    Slot *s = find_slot(self, units, len, hash);
    if (s->hash == 0) {
        s->hash = hash;
        s->len = len;
        memcpy(s->units, units, sizeof(s->units));
        self->used++;
    }
    s->tag = (uint16_t)tag_index;
    Py_RETURN_NONE;
}

static PyObject *
TagTable_get(TagTable *self, PyObject *word)
{
    if (check_str(word, "word") < 0 || check_ready(self) < 0)
        return NULL;
    PyObject *tag = lookup(self, word);
    if (tag == NULL) {
        if (PyErr_Occurred())
            return NULL;
        Py_RETURN_NONE;
    }
    return Py_NewRef(tag);
}

static PyObject *
TagTable_words_and_tags(TagTable *self, PyObject *words)
{
    if (!PyList_Check(words)) {
        PyErr_SetString(PyExc_TypeError, "TagTable.words_and_tags: words must be a list");
        return NULL;
    }
    if (check_ready(self) < 0)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(words);
    PyObject *kept = PyList_New(0);
    PyObject *tags = PyList_New(0);
    if (kept == NULL || tags == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n && i < PyList_GET_SIZE(words); i++) {
        PyObject *w = PyList_GET_ITEM(words, i);
        if (check_str(w, "words") < 0)
            goto fail;
        if (is_space_only(w))
            continue;
        Py_INCREF(w);                       /* ours while used, whatever happens to the list */
        PyObject *tag = lookup(self, w);    /* borrowed from the table, used at once */
        if (tag == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(w);
                goto fail;
            }
            tag = Py_None;
        }
        int bad = PyList_Append(kept, w) < 0 || PyList_Append(tags, tag) < 0;
        Py_DECREF(w);
        if (bad)
            goto fail;
    }
    PyObject *out = PyTuple_Pack(2, kept, tags);
    Py_DECREF(kept);
    Py_DECREF(tags);
    return out;
fail:
    Py_XDECREF(kept);
    Py_XDECREF(tags);
    return NULL;
}

static PyObject *
TagTable_clear(TagTable *self, PyObject *Py_UNUSED(ignored))
{
    if (check_ready(self) < 0)
        return NULL;
    memset(self->slots, 0, sizeof(Slot) * (size_t)(self->mask + 1));
    self->used = 0;
    PyDict_Clear(self->overflow);
    Py_RETURN_NONE;
}

/* Pickled as an empty table: it is a cache that refills itself. */
static PyObject *
TagTable_reduce(TagTable *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O())", (PyObject *)Py_TYPE(self));
}

static Py_ssize_t
TagTable_len(TagTable *self)
{
    return self->overflow == NULL ? 0 : self->used + PyDict_GET_SIZE(self->overflow);
}

static int
TagTable_init(TagTable *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":TagTable", kwlist))
        return -1;
    Py_ssize_t cap = 1024;
    PyMem_Free(self->slots);
    self->slots = PyMem_Calloc((size_t)cap, sizeof(Slot));
    if (self->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->mask = cap - 1;
    self->used = 0;
    Py_XSETREF(self->tags, PyList_New(0));
    Py_XSETREF(self->tag_ids, PyDict_New());
    Py_XSETREF(self->overflow, PyDict_New());
    if (self->tags == NULL || self->tag_ids == NULL || self->overflow == NULL)
        return -1;
    return 0;
}

static void
TagTable_dealloc(TagTable *self)
{
    PyMem_Free(self->slots);
    Py_XDECREF(self->tags);
    Py_XDECREF(self->tag_ids);
    Py_XDECREF(self->overflow);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef TagTable_methods[] = {
    {"set", (PyCFunction)TagTable_set, METH_VARARGS, "set(word, tag): record word's tag."},
    {"get", (PyCFunction)TagTable_get, METH_O, "get(word) -> its tag, or None."},
    {"words_and_tags", (PyCFunction)TagTable_words_and_tags, METH_O,
     "words_and_tags(words) -> (kept, tags): drop whitespace-only words; the tag of each kept "
     "word, None when missing."},
    {"clear", (PyCFunction)TagTable_clear, METH_NOARGS, "clear(): forget every word."},
    {"__reduce__", (PyCFunction)TagTable_reduce, METH_NOARGS, "Pickled as an empty table (a cache)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods TagTable_as_sequence = {
    .sq_length = (lenfunc)TagTable_len,
};

static PyTypeObject TagTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._speedups.TagTable",
    .tp_doc = "A table word -> POS tag; see pipeline.segment.PyTagTable.",
    .tp_basicsize = sizeof(TagTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)TagTable_init,
    .tp_dealloc = (destructor)TagTable_dealloc,
    .tp_methods = TagTable_methods,
    .tp_as_sequence = &TagTable_as_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_speedups",
    .m_doc = "The segment stage's word -> POS tag table, in C.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&TagTableType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "TagTable", (PyObject *)&TagTableType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
