"""Point labels that never overlap: adjustText first, then a deterministic pass that guarantees it.

Variants of one model often sit almost on top of each other in the quality-versus-energy
plane (a distilled model and its int8 version, a lightly pruned model and the baseline),
and a label written at each point then covers its neighbour's. adjustText moves the
labels apart and draws leader lines; because it is iterative and time-limited, a last
pass (:func:`_stack`) pushes any label still overlapping another one down or up, in
display pixels, until no two bounding boxes intersect. :func:`overlapping_labels` is
the check the tests (and that pass) use: the boxes as the renderer draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

GAP_PX = 2.0  # clearance between two labels' boxes, in display pixels


def _renderer(fig):
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: give it Agg's canvas, as savefig would
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()  # runs the layout engine, so positions are the final ones
    return fig.canvas.get_renderer()


def label_boxes(fig, texts: Sequence) -> list:
    """Each label's bounding box in display pixels, as drawn."""
    renderer = _renderer(fig)
    return [t.get_window_extent(renderer=renderer) for t in texts]


def overlapping_labels(fig, texts: Sequence) -> list[tuple[int, int]]:
    """Pairs of labels whose drawn bounding boxes intersect (empty when every label is readable)."""
    boxes = label_boxes(fig, texts)
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def place_labels(fig, ax, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], **text_kwargs) -> list:
    """Write ``labels`` next to their points so that no two overlap; return the Text artists.

    The figure's layout engine is run once and then frozen, so the positions checked here are
    the positions saved.
    """
    from adjustText import adjust_text

    ax.set_xlim(ax.get_xlim())  # fixed limits: labels and leader lines must not rescale the axes
    ax.set_ylim(ax.get_ylim())
    texts = [
        ax.text(x, y, label, **{"fontsize": 8, "va": "center", **text_kwargs}) for x, y, label in zip(xs, ys, labels)
    ]
    _renderer(fig)
    fig.set_layout_engine("none")  # freeze: a later savefig must not move the axes under the labels
    if len(texts) > 1:
        adjust_text(
            texts,
            x=list(xs),
            y=list(ys),
            ax=ax,
            time_lim=1,
            expand=(1.15, 1.4),
        )
    _stack(fig, ax, texts)
    _leader_lines(fig, ax, texts, xs, ys)
    return texts


def _leader_lines(fig, ax, texts: Sequence, xs: Sequence[float], ys: Sequence[float]) -> None:
    """A thin line from each point to its label when the label was moved away from it."""
    boxes = label_boxes(fig, texts)
    for box, x, y in zip(boxes, xs, ys):
        px, py = ax.transData.transform((x, y))
        # nearest point of the label's box to the data point
        nx, ny = min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)
        if ((nx - px) ** 2 + (ny - py) ** 2) ** 0.5 > 8:
            start, end = ax.transData.inverted().transform([(px, py), (nx, ny)])
            ax.plot([start[0], end[0]], [start[1], end[1]], color="#a0aec0", lw=0.6, zorder=1)


def _stack(fig, ax, texts: Sequence) -> None:
    """Move labels that still overlap vertically apart, top to bottom, until none does."""
    for _ in range(len(texts)):
        pairs = overlapping_labels(fig, texts)
        if not pairs:
            return
        boxes = label_boxes(fig, texts)
        order = sorted(range(len(texts)), key=lambda k: -boxes[k].y1)  # from the top of the axes down
        placed: list = []
        to_data = ax.transData.inverted()
        for k in order:
            box = boxes[k]
            shift = 0.0
            for other in placed:
                moved = box.translated(0, -shift)
                if moved.overlaps(other):
                    shift += moved.y1 - other.y0 + GAP_PX
            if shift:
                x_disp, y_disp = ax.transData.transform(texts[k].get_position())
                texts[k].set_position(to_data.transform((x_disp, y_disp - shift)))
                box = box.translated(0, -shift)
            placed.append(box)
