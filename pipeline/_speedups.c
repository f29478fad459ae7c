/* pipeline._speedups: the per-token loop of the segment stage, in C.
 *
 * TagTable: a table word -> POS tag with the interface of pipeline.segment.PyTagTable
 *     set(word, tag), get(word) -> tag or None, clear(), len(),
 *     words_and_tags(words) -> (kept, tags)
 *         kept: the items of the list ``words`` that are not whitespace-only strings;
 *         tags: for each kept word its tag, or None when the table lacks it.
 *
 * Why C: after bare rjieba.cut, the segment stage's cost is this loop over every token.
 * Through a Python dict each token costs a SipHash of a fresh string plus three scattered
 * memory reads (index, entry, the key's characters). Here a word of up to INLINE_UNITS
 * UCS-2 code units (nearly every Chinese word) is hashed with FNV-1a and found in one
 * 32-byte slot that holds its characters inline; longer words, empty strings and words
 * with characters beyond U+FFFF go to an ordinary dict. The Python class in segment.py
 * is the reference: a test checks both give the same answers. The extension is optional:
 * without a C compiler the package installs and runs the Python class.
 *
 * string_list_buffers(values) -> (list offsets, string offsets, UTF-8 data, validity, nulls)
 *     the Arrow buffers of a list<string> column from a list whose items are lists of str
 *     or None (a null row): int32 offsets as bytes, the strings' UTF-8 bytes, the validity
 *     bitmap (None when no row is null) and the number of null rows. Raises TypeError for
 *     anything else, ValueError for a lone surrogate, OverflowError past 2 GiB. Why C:
 *     tokens and POS tags are millions of short strings per build, and Arrow's conversion
 *     of Python strings costs more per string than this copy (tables.string_lists is the
 *     reference and the fallback).
 *
 * Trie(words): spans(text) -> [(start, end), ...] the leftmost-longest occurrences of the
 *     words, scanning on after each (the matches of metadata.Gazetteer's trie regex, which
 *     is the reference and the fallback). Why C: every document's body is scanned for
 *     place names, and the regex tries its alternation at most positions of Chinese text.
 *
 * minhash(text, k, num_perm) -> bytes: dedup.minhash's one-permutation MinHash signature
 *     (uint32[num_perm]) of text's k-character shingles: the same hash, bins and filling of
 *     empty bins (dedup._minhash_numpy is the reference and the fallback). Why C: numpy's
 *     per-call cost is most of the time for the short texts dedup sees by the thousand.
 *
 * word_chars(text) -> str: text without the characters the regex [\W_] matches (those not
 *     alphanumeric by Python's str.isalnum, and "_"): dedup's folding of a whole document
 *     (dedup._FOLD.sub("", text) is the reference and the fallback).
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
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "TagTable: %s must be str, not %.100s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    return 0;
}

static PyObject *
TagTable_set(TagTable *self, PyObject *args)
{
    PyObject *word, *tag;
    if (!PyArg_ParseTuple(args, "UU:set", &word, &tag) || check_ready(self) < 0)
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
        PyObject *tag = lookup(self, w);    /* borrowed */
        if (tag == NULL) {
            if (PyErr_Occurred())
                goto fail;
            tag = Py_None;
        }
        if (PyList_Append(kept, w) < 0 || PyList_Append(tags, tag) < 0)
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

/* UTF-8 length of a str, or -1 (ValueError set) for a lone surrogate. */
static Py_ssize_t
utf8_length(PyObject *str)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(str), bytes = 0;
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    if (PyUnicode_IS_ASCII(str))
        return n;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80)
            bytes += 1;
        else if (c < 0x800)
            bytes += 2;
        else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) {
                PyErr_SetString(PyExc_ValueError, "a lone surrogate cannot be encoded in UTF-8");
                return -1;
            }
            bytes += 3;
        }
        else
            bytes += 4;
    }
    return bytes;
}

/* Writes a str's UTF-8 bytes (checked by utf8_length) at out; returns the end. */
static char *
utf8_write(PyObject *str, char *out)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (PyUnicode_IS_ASCII(str)) {
        memcpy(out, PyUnicode_DATA(str), (size_t)n);
        return out + n;
    }
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80)
            *out++ = (char)c;
        else if (c < 0x800) {
            *out++ = (char)(0xC0 | (c >> 6));
            *out++ = (char)(0x80 | (c & 0x3F));
        }
        else if (c < 0x10000) {
            *out++ = (char)(0xE0 | (c >> 12));
            *out++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *out++ = (char)(0x80 | (c & 0x3F));
        }
        else {
            *out++ = (char)(0xF0 | (c >> 18));
            *out++ = (char)(0x80 | ((c >> 12) & 0x3F));
            *out++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *out++ = (char)(0x80 | (c & 0x3F));
        }
    }
    return out;
}

static PyObject *
string_list_buffers(PyObject *module, PyObject *values)
{
    if (!PyList_Check(values)) {
        PyErr_SetString(PyExc_TypeError, "string_list_buffers() takes a list");
        return NULL;
    }
    Py_ssize_t rows = PyList_GET_SIZE(values), strings = 0, bytes = 0, nulls = 0;
    /* first pass: check the items, count strings and bytes */
    for (Py_ssize_t r = 0; r < rows; r++) {
        PyObject *row = PyList_GET_ITEM(values, r);
        if (row == Py_None) {
            nulls++;
            continue;
        }
        if (!PyList_Check(row)) {
            PyErr_SetString(PyExc_TypeError, "a row is neither a list nor None");
            return NULL;
        }
        Py_ssize_t k = PyList_GET_SIZE(row);
        for (Py_ssize_t i = 0; i < k; i++) {
            PyObject *str = PyList_GET_ITEM(row, i);
            if (!PyUnicode_Check(str)) {
                PyErr_SetString(PyExc_TypeError, "an item of a row is not a str");
                return NULL;
            }
            Py_ssize_t len = utf8_length(str);
            if (len < 0)
                return NULL;
            bytes += len;
        }
        strings += k;
        if (bytes > INT32_MAX || strings > INT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "more than 2 GiB of strings for int32 offsets");
            return NULL;
        }
    }
    PyObject *list_offsets = PyBytes_FromStringAndSize(NULL, (rows + 1) * 4);
    PyObject *string_offsets = PyBytes_FromStringAndSize(NULL, (strings + 1) * 4);
    PyObject *data = PyBytes_FromStringAndSize(NULL, bytes);
    PyObject *validity = nulls ? PyBytes_FromStringAndSize(NULL, (rows + 7) / 8) : Py_NewRef(Py_None);
    if (list_offsets == NULL || string_offsets == NULL || data == NULL || validity == NULL)
        goto fail;
    /* second pass: the rows were checked and lists do not change meanwhile (no Python runs) */
    int32_t *lo = (int32_t *)PyBytes_AS_STRING(list_offsets);
    int32_t *so = (int32_t *)PyBytes_AS_STRING(string_offsets);
    char *start = PyBytes_AS_STRING(data), *out = start;
    unsigned char *bits = nulls ? (unsigned char *)PyBytes_AS_STRING(validity) : NULL;
    if (bits != NULL)
        memset(bits, 0, (size_t)((rows + 7) / 8));
    Py_ssize_t s = 0;
    lo[0] = 0;
    so[0] = 0;
    for (Py_ssize_t r = 0; r < rows; r++) {
        PyObject *row = PyList_GET_ITEM(values, r);
        if (row != Py_None) {
            if (bits != NULL)
                bits[r >> 3] |= (unsigned char)(1u << (r & 7));
            Py_ssize_t k = PyList_GET_SIZE(row);
            for (Py_ssize_t i = 0; i < k; i++) {
                out = utf8_write(PyList_GET_ITEM(row, i), out);
                so[++s] = (int32_t)(out - start);
            }
        }
        lo[r + 1] = (int32_t)s;
    }
    return Py_BuildValue("(NNNNn)", list_offsets, string_offsets, data, validity, nulls);
fail:
    Py_XDECREF(list_offsets);
    Py_XDECREF(string_offsets);
    Py_XDECREF(data);
    Py_XDECREF(validity);
    return NULL;
}


/* ---------------------------------------------------------------- Trie */

typedef struct {
    uint32_t node;          /* UINT32_MAX: empty */
    uint32_t ch;
    uint32_t child;
} Edge;

typedef struct {
    PyObject_HEAD
    Edge *edges;
    Py_ssize_t mask;        /* edge capacity - 1 (a power of two) */
    Py_ssize_t n_edges;
    unsigned char *word_end;    /* per node: a word ends here */
    Py_ssize_t n_nodes, cap_nodes;
} Trie;

static inline Py_ssize_t
edge_slot(const Trie *t, uint32_t node, uint32_t ch)
{
    uint32_t h = (node * 0x9E3779B1u) ^ (ch * 0x85EBCA77u);
    h ^= h >> 15;
    return (Py_ssize_t)(h & (uint32_t)t->mask);
}

static uint32_t
trie_child(const Trie *t, uint32_t node, uint32_t ch)
{
    Py_ssize_t i = edge_slot(t, node, ch);
    while (t->edges[i].node != UINT32_MAX) {
        if (t->edges[i].node == node && t->edges[i].ch == ch)
            return t->edges[i].child;
        i = (i + 1) & t->mask;
    }
    return UINT32_MAX;
}

static int
trie_grow_edges(Trie *t)
{
    Py_ssize_t old_cap = t->mask + 1, cap = old_cap * 2;
    Edge *old = t->edges, *edges = PyMem_Malloc((size_t)cap * sizeof(Edge));
    if (edges == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < cap; i++)
        edges[i].node = UINT32_MAX;
    t->edges = edges;
    t->mask = cap - 1;
    for (Py_ssize_t i = 0; i < old_cap; i++) {
        if (old[i].node == UINT32_MAX)
            continue;
        Py_ssize_t j = edge_slot(t, old[i].node, old[i].ch);
        while (edges[j].node != UINT32_MAX)
            j = (j + 1) & t->mask;
        edges[j] = old[i];
    }
    PyMem_Free(old);
    return 0;
}

static int
trie_add(Trie *t, PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    uint32_t node = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        uint32_t ch = PyUnicode_READ(kind, data, k);
        uint32_t child = trie_child(t, node, ch);
        if (child == UINT32_MAX) {
            if (t->n_nodes == t->cap_nodes) {
                Py_ssize_t cap = t->cap_nodes * 2;
                unsigned char *ends = PyMem_Realloc(t->word_end, (size_t)cap);
                if (ends == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                memset(ends + t->cap_nodes, 0, (size_t)(cap - t->cap_nodes));
                t->word_end = ends;
                t->cap_nodes = cap;
            }
            if ((t->n_edges + 1) * 2 > t->mask + 1 && trie_grow_edges(t) < 0)
                return -1;
            child = (uint32_t)t->n_nodes++;
            Py_ssize_t i = edge_slot(t, node, ch);
            while (t->edges[i].node != UINT32_MAX)
                i = (i + 1) & t->mask;
            t->edges[i].node = node;
            t->edges[i].ch = ch;
            t->edges[i].child = child;
            t->n_edges++;
        }
        node = child;
    }
    if (n > 0)
        t->word_end[node] = 1;
    return 0;
}

static void
Trie_dealloc(Trie *self)
{
    PyMem_Free(self->edges);
    PyMem_Free(self->word_end);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Trie_init(Trie *self, PyObject *args, PyObject *kwds)
{
    PyObject *words;
    if (!PyArg_ParseTuple(args, "O:Trie", &words))
        return -1;
    PyMem_Free(self->edges);
    PyMem_Free(self->word_end);
    self->edges = PyMem_Malloc(64 * sizeof(Edge));
    self->word_end = PyMem_Calloc(64, 1);
    if (self->edges == NULL || self->word_end == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < 64; i++)
        self->edges[i].node = UINT32_MAX;
    self->mask = 63;
    self->n_edges = 0;
    self->n_nodes = 1;          /* the root */
    self->cap_nodes = 64;
    PyObject *it = PyObject_GetIter(words);
    if (it == NULL)
        return -1;
    PyObject *word;
    while ((word = PyIter_Next(it)) != NULL) {
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "Trie() takes strings");
            Py_DECREF(word);
            Py_DECREF(it);
            return -1;
        }
        int rc = trie_add(self, word);
        Py_DECREF(word);
        if (rc < 0) {
            Py_DECREF(it);
            return -1;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *
Trie_spans(Trie *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "spans() takes a str");
        return NULL;
    }
    if (self->edges == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Trie used before __init__");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    while (pos < n) {
        uint32_t node = 0;
        Py_ssize_t end = -1;
        for (Py_ssize_t j = pos; j < n; j++) {
            node = trie_child(self, node, PyUnicode_READ(kind, data, j));
            if (node == UINT32_MAX)
                break;
            if (self->word_end[node])
                end = j + 1;
        }
        if (end < 0) {
            pos++;
            continue;
        }
        PyObject *span = Py_BuildValue("(nn)", pos, end);
        if (span == NULL || PyList_Append(out, span) < 0) {
            Py_XDECREF(span);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(span);
        pos = end;
    }
    return out;
}

static PyMethodDef Trie_methods[] = {
    {"spans", (PyCFunction)Trie_spans, METH_O,
     "spans(text) -> [(start, end)]: leftmost-longest occurrences of the words, non-overlapping."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TrieType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._speedups.Trie",
    .tp_basicsize = sizeof(Trie),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Trie(words): spans(text) finds the words' leftmost-longest occurrences.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Trie_init,
    .tp_dealloc = (destructor)Trie_dealloc,
    .tp_methods = Trie_methods,
};


static PyObject *
minhash(PyObject *module, PyObject *args)
{
    PyObject *text;
    Py_ssize_t k, num_perm;
    if (!PyArg_ParseTuple(args, "Unn:minhash", &text, &k, &num_perm))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (k < 1 || num_perm < 1 || n < k) {
        PyErr_SetString(PyExc_ValueError, "minhash() needs 1 <= k <= len(text) and num_perm >= 1");
        return NULL;
    }
    const uint64_t empty = (uint64_t)1 << 32, mask32 = 0xFFFFFFFFULL, step = 0x9E3779B1ULL;
    uint64_t *sig = PyMem_Malloc((size_t)num_perm * sizeof(uint64_t));
    if (sig == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t b = 0; b < num_perm; b++)
        sig[b] = empty;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const uint64_t base = 0x100000001B3ULL, mix1 = 0xBF58476D1CE4E5B9ULL, mix2 = 0x94D049BB133111EBULL;
    for (Py_ssize_t i = 0; i + k <= n; i++) {
        uint64_t h = 0;
        for (Py_ssize_t j = 0; j < k; j++)
            h = h * base + (uint64_t)PyUnicode_READ(kind, data, i + j);
        h ^= h >> 30;
        h *= mix1;
        h ^= h >> 27;
        h *= mix2;
        h ^= h >> 31;
        Py_ssize_t bin = (Py_ssize_t)((h >> 32) % (uint64_t)num_perm);
        uint64_t value = h & mask32;
        if (value < sig[bin])
            sig[bin] = value;
    }
    /* an empty bin borrows from the next non-empty bin to its right (circularly), offset by
     * the distance: scanning leftwards from a non-empty bin, the last one seen is that bin */
    Py_ssize_t full = 0;
    while (sig[full] == empty)      /* one shingle at least: some bin is not empty */
        full++;
    Py_ssize_t donor = full;
    for (Py_ssize_t s = 1; s < num_perm; s++) {
        Py_ssize_t b = (full - s + num_perm) % num_perm;
        if (sig[b] != empty)
            donor = b;
        else
            sig[b] = (sig[donor] + (uint64_t)((donor - b + num_perm) % num_perm) * step) & mask32;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, num_perm * (Py_ssize_t)sizeof(uint32_t));
    if (out == NULL) {
        PyMem_Free(sig);
        return NULL;
    }
    uint32_t *res = (uint32_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t b = 0; b < num_perm; b++)
        res[b] = (uint32_t)(sig[b] & mask32);
    PyMem_Free(sig);
    return out;
}


static PyObject *
word_chars(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "word_chars() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), kept = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 max_char = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c != '_' && Py_UNICODE_ISALNUM(c)) {
            kept++;
            if (c > max_char)
                max_char = c;
        }
    }
    PyObject *out = PyUnicode_New(kept, max_char);
    if (out == NULL)
        return NULL;
    int out_kind = PyUnicode_KIND(out);
    void *out_data = PyUnicode_DATA(out);
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c != '_' && Py_UNICODE_ISALNUM(c))
            PyUnicode_WRITE(out_kind, out_data, j++, c);
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"word_chars", (PyCFunction)word_chars, METH_O,
     "word_chars(text) -> str: text without the characters [\\W_] matches"},
    {"minhash", (PyCFunction)minhash, METH_VARARGS,
     "minhash(text, k, num_perm) -> bytes: the uint32 MinHash signature of dedup.minhash"},
    {"string_list_buffers", (PyCFunction)string_list_buffers, METH_O,
     "string_list_buffers(values) -> (list offsets, string offsets, UTF-8 data, validity or None, nulls)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "C versions of per-token loops (segment stage, token columns).", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&TagTableType) < 0 || PyType_Ready(&TrieType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "TagTable", (PyObject *)&TagTableType) < 0
        || PyModule_AddObjectRef(m, "Trie", (PyObject *)&TrieType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
