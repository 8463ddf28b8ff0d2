"""Read a YAML file that may be hostile or careless, within fixed bounds, into plain data.

Study files are written by analysts and, through Airflow's trigger form, by anyone
who may trigger a DAG; the DAG processor parses every one of them. So reading one
must never hang, exhaust memory or silently change what the author wrote:

- only a regular file is read (a FIFO would block for ever, ``/dev/zero`` never ends,
  a directory is not a file); it is opened non-blocking and checked with ``fstat``
  on the open descriptor, so a swap between the check and the read changes nothing;
- at most :data:`MAX_BYTES` + 1 bytes are read, and a larger file is refused;
- the text must be UTF-8 (a BOM is allowed); otherwise the error gives the byte offset;
- nesting deeper than :data:`MAX_DEPTH` is refused while composing (PyYAML's composer
  recurses, so this also keeps it far from Python's recursion limit);
- aliases are bounded: at most :data:`MAX_ALIASES`, and the document once every alias
  is expanded may hold at most :data:`MAX_EXPANDED_NODES` nodes (the "billion laughs"
  bomb is a few hundred bytes that expand to 10**9 nodes in whatever walks them next);
- a key given twice in one mapping is refused with its line, rather than the last
  one silently winning (merge keys ``<<`` keep their documented override meaning).

Only the standard library and PyYAML's safe loader are used: this runs when Airflow
parses the DAG folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lca.errors import StudyError
from lca.limits import YAML_MAX_ALIASES, YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_EXPANDED_NODES

MAX_BYTES = YAML_MAX_BYTES
MAX_DEPTH = YAML_MAX_DEPTH
MAX_ALIASES = YAML_MAX_ALIASES
MAX_EXPANDED_NODES = YAML_MAX_EXPANDED_NODES
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlRefused(yaml.YAMLError):
    """A bound of this reader was exceeded; the message says which and where."""


def _where(node_or_mark) -> str:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown position"


class BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader with depth, alias and duplicate-key checks (see the module docstring)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise YamlRefused(
                    f"more than {MAX_ALIASES} aliases (*name) at {_where(event.start_mark)}; "
                    "write the values out instead"
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise YamlRefused(
                    f"nested more than {MAX_DEPTH} levels deep at {_where(event.start_mark)}; "
                    "no study needs that many levels"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable: SafeConstructor reports it below
                    continue
                if first is not None:
                    raise YamlRefused(
                        f"key {key!r} is given twice in one mapping ({_where(first)} and {_where(key_node)}); "
                        "keep one: YAML would silently use the last"
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def expanded_size(node: Node) -> int:
    """Nodes in the document once every alias is expanded (aliases share node objects)."""
    memo: dict[int, int] = {}
    # Iterative post-order walk: the graph is already depth-bounded, but sizes multiply.
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if key in memo:
            continue
        if isinstance(current, SequenceNode):
            children = list(current.value)
        elif isinstance(current, MappingNode):
            children = [n for pair in current.value for n in pair]
        else:
            memo[key] = 1
            continue
        if children_done:
            memo[key] = 1 + sum(memo[id(c)] for c in children)
            if memo[key] > MAX_EXPANDED_NODES:
                raise YamlRefused(
                    f"the aliases at {_where(current)} expand to more than {MAX_EXPANDED_NODES:,} values; "
                    "write the values out instead of nesting aliases"
                )
        else:
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in memo)
    return memo[id(node)]


def read_bounded_bytes(path: Path, max_bytes: int = MAX_BYTES, what: str = "study file") -> bytes:
    """At most ``max_bytes`` of a regular file; StudyError for anything else, naming the file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise StudyError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise StudyError(f"{path}: a {what} must be a regular file, this is {kind}; give the path of a .yaml file")
        if info.st_size > max_bytes:
            raise StudyError(
                f"{path}: {what} is {info.st_size:,} bytes, more than the limit of {max_bytes:,}; "
                "a study is a short text file (data files go in 'dataset.file')"
            )
        chunks, size = [], 0
        while size <= max_bytes:  # st_size can lie (procfs, a file growing): count what is read
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise StudyError(f"{path}: cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise StudyError(f"{path}: {what} is more than the limit of {max_bytes:,} bytes")
    return b"".join(chunks)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def decode_utf8(raw: bytes, path: Path, what: str = "study file") -> str:
    """UTF-8 text (BOM allowed), or a StudyError with the byte offset and line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 4]
        raise StudyError(
            f"{path}: {what} is not UTF-8 text: byte {exc.start} (line {line}) is {bad!r}; "
            "save it as UTF-8 (a binary file cannot be a study)"
        ) from None


def load_yaml_file(path: str | Path, what: str = "study file", max_bytes: int = MAX_BYTES) -> Any:
    """Plain data (dicts, lists, scalars) from a YAML file, within the bounds above."""
    path = Path(path)
    text = decode_utf8(read_bounded_bytes(path, max_bytes, what), path, what)
    return load_yaml_text(text, path, what)


def load_yaml_text(text: str, path: Path, what: str = "study file") -> Any:
    try:
        return parse_bounded(text)
    except YamlRefused as exc:
        raise StudyError(f"{path}: {what} refused: {exc}") from None
    except yaml.YAMLError as exc:
        raise StudyError(f"{path}: not valid YAML: {exc}") from None


def parse_bounded(text: str) -> Any:
    """Plain data from YAML text within the bounds above: YamlRefused names the bound, yaml.YAMLError bad syntax.

    For text that is not a file (an override on the command line), whose caller names it.
    """
    loader = None
    try:
        loader = BoundedSafeLoader(text)  # PyYAML's reader already refuses control characters here
        node = loader.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return loader.construct_document(node)
    except RecursionError:  # belt and braces: MAX_DEPTH keeps well below the limit
        raise YamlRefused("nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def check_bounds(value: Any, depth: int = 0) -> None:
    """The bounds of a study file, for plain data that did not come from one (Airflow's trigger form).

    ``depth`` is how deeply ``value`` sits in the study (2 for ``deployment.country``),
    so the edited study stays within :data:`MAX_DEPTH` as a file must. Text counts
    against :data:`MAX_BYTES`, values against :data:`MAX_EXPANDED_NODES`. Walked
    without recursion; YamlRefused names the bound exceeded.
    """
    stack: list[tuple[Any, int]] = [(value, depth + 1)]
    values = chars = 0
    while stack:
        node, level = stack.pop()
        values += 1
        if level > MAX_DEPTH:
            raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep in the study; no study needs that many levels")
        if values > MAX_EXPANDED_NODES:
            raise YamlRefused(f"more than {MAX_EXPANDED_NODES:,} values")
        if isinstance(node, dict):
            stack.extend((child, level + 1) for pair in node.items() for child in pair)
        elif isinstance(node, (list, tuple)):
            stack.extend((child, level + 1) for child in node)
        elif isinstance(node, str):
            chars += len(node)
            if chars > MAX_BYTES:
                raise YamlRefused(f"more than {MAX_BYTES:,} characters of text, the limit of a whole study file")
