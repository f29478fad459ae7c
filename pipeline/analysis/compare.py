"""compare: topic prevalence and distinctive terms by genre, year or region.

In: the tables in ``out`` (documents.parquet, items.parquet, and the topic tables written by
``policy-corpus topics``: unit_topics.parquet, topics.parquet). Out, in ``<out>/compare/``
(every table as Parquet and CSV, every figure as PNG):

- ``prevalence_by_<by>``: group, topic, label, prevalence (token-weighted mean topic share of
  the group's units), ``lo``/``hi`` (bootstrap 95% interval: documents resampled with all
  their units, or units, ``[compare].resample``), n_docs, n_units;
- ``terms_by_<by>``: distinctive terms per group, weighted log-odds with an informative
  Dirichlet prior (Monroe, Colaresi & Quinn 2008), group vs all other groups: log_odds, z,
  count in the group, count elsewhere;
- ``heads_by_<by>``: the same over the terms of problem and measure heads (items), per kind,
  with example heads;
- figures ``heatmap_by_<by>.png`` (topic × group), ``terms_by_<by>.png`` (top terms per
  group), and for years ``years_by_<by>.png`` (prevalence over years with 95% bands).

Duplicates are left out; documents whose group is unknown (no year, no region) are left out
and counted in the summary.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Config, ConfigError
from pipeline.output.tables import write_atomic, write_json

log = logging.getLogger(__name__)

GROUPINGS = ("genre", "year", "region")
REGION_LEVELS = {"province": 1, "city": 2, "county": 3}


def compare(out: Path, by: str = "genre", config: Config | None = None) -> dict[str, Any]:
    """Write the comparison tables and figures of ``out`` by ``by``; returns a summary dict."""
    if by not in GROUPINGS:
        raise ConfigError(f"unknown grouping {by!r}; valid: {', '.join(GROUPINGS)}")
    config = config or Config.load()
    cfg = config["compare"]
    out = Path(out)
    dest = out / "compare"
    from pipeline.analysis.topic_units import check_topics_current

    check_topics_current(out)
    docs = pd.read_parquet(out / "documents.parquet")
    if "is_duplicate" in docs:
        docs = docs[~docs["is_duplicate"].fillna(False).astype(bool)]
    groups = document_groups(docs, by, cfg)
    units = pd.read_parquet(out / "unit_topics.parquet")
    topics = pd.read_parquet(out / "topics.parquet")
    units = units.merge(groups.rename("group"), left_on="doc_id", right_index=True, how="inner")
    units = units[units["group"].notna()]
    summary: dict[str, Any] = {"by": by, "n_docs": int(len(docs)), "n_docs_grouped": int(units["doc_id"].nunique()),
                               "groups": {}, "files": []}
    prev = topic_prevalence(units, topics, int(cfg["bootstrap"]), cfg["resample"], int(cfg["seed"]))
    summary["groups"] = {str(g): int(n) for g, n in prev.groupby("group")["n_docs"].first().items()}
    _write(prev, dest / f"prevalence_by_{by}", summary)

    tokens = docs.set_index("doc_id")["tokens"] if "tokens" in docs else pd.Series(dtype=object)
    pos = docs.set_index("doc_id")["pos"] if "pos" in docs else pd.Series(dtype=object)
    from pipeline.analysis.topic_units import TokenFilter

    token_filter = TokenFilter.from_settings(config["topics"])
    doc_terms = {d: token_filter(list(t), None if p is None else list(p))
                 for d, t, p in zip(tokens.index, tokens, pos.reindex(tokens.index)) if t is not None}
    terms = distinctive_terms(_group_counts(groups, doc_terms), cfg)
    _write(terms, dest / f"terms_by_{by}", summary)
    heads = distinctive_heads(out, groups, config)
    _write(heads, dest / f"heads_by_{by}", summary)

    fig_dir = dest
    summary["files"].append(str(plot_heatmap(prev, by, fig_dir / f"heatmap_by_{by}.png", int(cfg["max_groups"]))))
    summary["files"].append(str(plot_terms(terms, by, fig_dir / f"terms_by_{by}.png", int(cfg["max_groups"]))))
    if by == "year":
        summary["files"].append(str(plot_over_years(prev, fig_dir / f"years_by_{by}.png")))
    write_json(summary, dest / f"summary_by_{by}.json")
    return summary


# ── groups ────────────────────────────────────────────────────────────────────────────

def document_groups(docs: pd.DataFrame, by: str, cfg: dict) -> pd.Series:
    """doc_id → group label (genre slug, year or year bin, region at ``region_level``); None = unknown."""
    docs = docs.set_index("doc_id")
    if by == "genre":
        return docs["genre"].fillna("other").astype(str)
    if by == "year":
        step = int(cfg["year_bin"])
        years = pd.to_numeric(docs["year"], errors="coerce")
        if step <= 1:
            return years.map(lambda y: None if pd.isna(y) else str(int(y)))
        return years.map(lambda y: None if pd.isna(y) else f"{int(y) // step * step}s")
    level = cfg["region_level"]
    if level not in REGION_LEVELS:
        raise ConfigError(f"compare region_level {level!r}; valid: {', '.join(REGION_LEVELS)}")
    depth = REGION_LEVELS[level]
    return docs["region"].map(lambda r: "/".join(r.split("/")[:depth]) if isinstance(r, str) and r else None)


# ── prevalence with bootstrap intervals ───────────────────────────────────────────────

def topic_prevalence(units: pd.DataFrame, topics: pd.DataFrame, n_boot: int, resample: str,
                     seed: int) -> pd.DataFrame:
    """Token-weighted mean topic share per group with a bootstrap 95% interval.

    ``units`` has ``doc_id, group, n_tokens, topic_0…``; ``resample="doc"`` resamples the
    group's documents (each with all its units: units of one document are not independent),
    ``"unit"`` resamples units.
    """
    cols = [c for c in units.columns if c.startswith("topic_")]
    labels = dict(zip(topics["topic"], topics["label"]))
    rng = np.random.default_rng(seed)
    rows = []
    for group, g in units.groupby("group", sort=True):
        w = g["n_tokens"].to_numpy(float)
        weighted = g[cols].to_numpy(float) * w[:, None]
        if resample == "doc":
            keys = g["doc_id"].to_numpy()
        elif resample == "unit":
            keys = np.arange(len(g))
        else:
            raise ConfigError(f"compare resample {resample!r}; valid: doc, unit")
        codes, inverse = np.unique(keys, return_inverse=True)
        n = len(codes)
        sums = np.zeros((n, len(cols)))
        np.add.at(sums, inverse, weighted)
        wsum = np.bincount(inverse, weights=w, minlength=n)
        point = sums.sum(0) / max(wsum.sum(), 1e-12)
        if n > 1 and n_boot > 0:
            draws = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)     # B × n resample counts
            boot = (draws @ sums) / np.maximum(draws @ wsum, 1e-12)[:, None]
            lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
        else:   # one document: no interval
            lo = hi = np.full(len(cols), np.nan)
        for t, c in enumerate(cols):
            k = int(c.split("_")[1])
            rows.append({"group": str(group), "topic": k, "label": labels.get(k, f"T{k}"),
                         "prevalence": float(point[t]), "lo": float(lo[t]), "hi": float(hi[t]),
                         "n_docs": int(g["doc_id"].nunique()), "n_units": int(len(g))})
    return pd.DataFrame(rows, columns=["group", "topic", "label", "prevalence", "lo", "hi", "n_docs", "n_units"])


# ── distinctive terms: weighted log-odds with an informative Dirichlet prior ──────────

def _group_counts(groups: pd.Series, doc_terms: dict[str, list[str]]) -> pd.DataFrame:
    """Term counts per group: a frame indexed by term with one column per group."""
    from collections import Counter

    per_group: dict[str, Counter] = {}
    for doc_id, group in groups.items():
        if group is None or (isinstance(group, float) and np.isnan(group)) or doc_id not in doc_terms:
            continue
        per_group.setdefault(str(group), Counter()).update(doc_terms[doc_id])
    if not per_group:
        return pd.DataFrame()
    return pd.DataFrame(per_group).fillna(0).astype(float)


def log_odds(counts: pd.DataFrame, prior_scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted log-odds ratios (each group vs all others) and their z-scores.

    Monroe, Colaresi & Quinn (2008), eq. 16–22: with y_w the term's count in the group,
    n the group's total, and an informative Dirichlet prior α_w = prior_scale × the term's
    count in the whole corpus (α_0 = Σ α_w):

        δ_w = log((y_w+α_w)/(n+α_0−y_w−α_w)) − log((y'_w+α_w)/(n'+α_0−y'_w−α_w))
        σ²_w ≈ 1/(y_w+α_w) + 1/(y'_w+α_w),    z_w = δ_w / σ_w

    where primed counts are those of all the other groups.
    """
    counts = counts[counts.sum(axis=1) > 0]        # a term seen nowhere has no odds
    y = counts.to_numpy(float)
    total = y.sum(1, keepdims=True)
    alpha = prior_scale * total
    a0 = alpha.sum()
    n = y.sum(0, keepdims=True)
    rest = total - y
    n_rest = n.sum() - n
    # a vocabulary of one term has no odds (0 in a denominator): NaN, not a warning
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y + alpha) / (n + a0 - y - alpha))
                 - np.log((rest + alpha) / (n_rest + a0 - rest - alpha)))
        var = 1.0 / (y + alpha) + 1.0 / (rest + alpha)
        z = delta / np.sqrt(var)
    return (pd.DataFrame(delta, index=counts.index, columns=counts.columns),
            pd.DataFrame(z, index=counts.index, columns=counts.columns))


def distinctive_terms(counts: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The ``top_terms`` terms of each group with the highest z (and at least
    ``min_term_count`` occurrences in the group). Needs at least two groups."""
    cols = ["group", "rank", "term", "log_odds", "z", "count", "count_rest"]
    if counts.empty or counts.shape[1] < 2:
        return pd.DataFrame(columns=cols)
    delta, z = log_odds(counts, float(cfg["prior_scale"]))
    rows = []
    for group in counts.columns:
        # over-represented terms only: a negative z is distinctive of the other groups
        ok = (counts[group] >= int(cfg["min_term_count"])) & (z[group] > 0)
        best = z.loc[ok, group].sort_values(ascending=False).head(int(cfg["top_terms"]))
        for rank, (term, zz) in enumerate(best.items(), start=1):
            rows.append({"group": group, "rank": rank, "term": term, "log_odds": float(delta.at[term, group]),
                         "z": float(zz), "count": int(counts.at[term, group]),
                         "count_rest": int(counts.loc[term].sum() - counts.at[term, group])})
    return pd.DataFrame(rows, columns=cols)


def distinctive_heads(out: Path, groups: pd.Series, config: Config) -> pd.DataFrame:
    """Distinctive terms of problem and measure heads per group (log-odds as for terms),
    each with up to three example heads of the group that contain it."""
    from pipeline.analysis.topic_units import PosTagger, TokenFilter

    cols = ["kind", "group", "rank", "term", "log_odds", "z", "count", "count_rest", "examples"]
    path = Path(out) / "items.parquet"
    items = pd.read_parquet(path) if path.exists() else pd.DataFrame()
    if items.empty:
        return pd.DataFrame(columns=cols)
    cfg = config["compare"]
    token_filter = TokenFilter.from_settings(config["topics"])
    tagger = PosTagger(config)
    items = items[items["doc_id"].isin(groups.index)].copy()
    items["group"] = items["doc_id"].map(groups)
    items = items[items["group"].notna()]
    items["terms"] = [token_filter(*tagger.tag(h or "")) for h in items["head"]]
    frames = []
    for kind, part in items.groupby("kind"):
        from collections import Counter

        per = {str(g): Counter(t for ts in p["terms"] for t in ts) for g, p in part.groupby("group")}
        counts = pd.DataFrame(per).fillna(0).astype(float)
        table = distinctive_terms(counts, {**cfg, "min_term_count": min(2, int(cfg["min_term_count"]))})
        if table.empty:
            continue
        table.insert(0, "kind", kind)
        table["examples"] = [" | ".join(part.loc[(part["group"] == g) & part["terms"].map(lambda ts: t in ts), "head"]
                                        .drop_duplicates().head(3))
                             for g, t in zip(table["group"], table["term"])]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


# ── writing and figures ───────────────────────────────────────────────────────────────

def _write(frame: pd.DataFrame, stem: Path, summary: dict) -> None:
    import pyarrow as pa

    from pipeline.output.tables import write_table

    stem.parent.mkdir(parents=True, exist_ok=True)
    write_table(pa.Table.from_pandas(frame, preserve_index=False), stem.with_suffix(".parquet"))
    write_atomic(stem.with_suffix(".csv"), lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    summary["files"] += [str(stem.with_suffix(".parquet")), str(stem.with_suffix(".csv"))]


def cjk_font() -> str | None:
    """Name of a font with Chinese glyphs, registered with matplotlib: an installed system font
    (fontconfig), else the Noto Sans CJK SC shipped by the ``mplfonts`` package; None when
    there is none (figures then show boxes for Chinese glyphs, and a warning says so)."""
    from matplotlib import font_manager

    wanted = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
              "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")
    have = {f.name for f in font_manager.fontManager.ttflist}
    for name in wanted:
        if name in have:
            return name
    try:
        import mplfonts

        path = Path(mplfonts.__file__).with_name("fonts") / "NotoSansCJKsc-Regular.otf"
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    except ImportError:
        pass
    log.warning("no font with Chinese glyphs found (fc-list :lang=zh is empty and mplfonts is not installed): "
                "Chinese labels in figures will show as boxes")
    return None


def pyplot_cjk(backend: str | None = "Agg"):
    """matplotlib.pyplot with a Chinese-capable font (see ``cjk_font``), on ``backend`` (Agg for
    files; None keeps the current one, e.g. a notebook's inline backend)."""
    import matplotlib

    if backend:
        matplotlib.use(backend)
    import matplotlib.pyplot as plt

    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _largest_groups(prev: pd.DataFrame, max_groups: int) -> list[str]:
    sizes = prev.groupby("group")["n_docs"].first().sort_values(ascending=False)
    keep = set(sizes.head(max_groups).index)
    return [g for g in sorted(prev["group"].unique()) if g in keep]


def plot_heatmap(prev: pd.DataFrame, by: str, path: Path, max_groups: int) -> Path:
    """Topic × group heatmap of prevalence (cells annotated with the share in %)."""
    plt = pyplot_cjk()
    groups = _largest_groups(prev, max_groups)
    table = prev[prev["group"].isin(groups)].pivot_table(index="label", columns="group", values="prevalence")
    order = prev.drop_duplicates("topic").sort_values("topic")["label"]
    table = table.reindex(index=[l for l in order if l in table.index], columns=groups)
    if len(groups) > 12:      # many groups (provinces): groups down the side, topics across
        table = table.T
    rows, cols = list(table.index), list(table.columns)
    fig, ax = plt.subplots(figsize=(max(7.0, 4.0 + 0.75 * len(cols) * (2.2 if len(groups) > 12 else 1)),
                                    1.5 + 0.42 * max(len(rows), 2)))
    values = table.to_numpy(float)
    im = ax.imshow(values, aspect="auto", cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for (i, j), v in np.ndenumerate(values):
        if not np.isnan(v):
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if v > np.nanmax(values) * 0.6 else "black")
    ax.set_title(f"topic prevalence by {by} (% of tokens)")
    fig.colorbar(im, ax=ax, fraction=0.03)
    fig.tight_layout()
    _save(fig, path, plt)
    return path


def plot_over_years(prev: pd.DataFrame, path: Path) -> Path:
    """Prevalence of each topic over years (or year bins), with the 95% bands."""
    plt = pyplot_cjk()
    topics = prev.drop_duplicates("topic").sort_values("topic")
    n = len(topics)
    cols = min(3, max(n, 1))
    rows = int(np.ceil(n / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False, sharey=True)
    groups = sorted(prev["group"].unique())
    xs = np.arange(len(groups))
    for ax, (_, t) in zip(axes.flat, topics.iterrows()):
        part = prev[prev["topic"] == t["topic"]].set_index("group").reindex(groups)
        ax.plot(xs, part["prevalence"], marker="o", lw=1.5)
        ax.fill_between(xs, part["lo"], part["hi"], alpha=0.25)
        ax.set_title(t["label"], fontsize=9)
        ax.set_xticks(xs, groups, rotation=45, ha="right", fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("topic prevalence over years (95% bootstrap bands)")
    fig.tight_layout()
    _save(fig, path, plt)
    return path


def plot_terms(terms: pd.DataFrame, by: str, path: Path, max_groups: int, per_group: int = 10) -> Path:
    """Top distinctive terms (z-scores) of each group as small bar charts."""
    plt = pyplot_cjk()
    groups = list(dict.fromkeys(terms["group"]))[:max_groups] if len(terms) else []
    cols = min(4, max(len(groups), 1))
    rows = int(np.ceil(len(groups) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 0.3 * per_group * rows + 1), squeeze=False)
    for ax, group in zip(axes.flat, groups):
        part = terms[terms["group"] == group].head(per_group).iloc[::-1]
        ax.barh(part["term"], part["z"], color="tab:blue")
        ax.set_title(str(group), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    if not groups:
        axes[0, 0].text(0.5, 0.5, "fewer than two groups: nothing to contrast", ha="center", va="center")
    fig.suptitle(f"distinctive terms by {by} (weighted log-odds z, informative Dirichlet prior)")
    fig.tight_layout()
    _save(fig, path, plt)
    return path


def _save(fig, path: Path, plt) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
