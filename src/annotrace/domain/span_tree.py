"""Nesting spans by parent, robust to what real (and hostile) traces contain.

Parents that never arrived, spans that name themselves or each other as parent, and
chains deeper than anything a reader (or a JSON encoder) can follow all still give a
tree in which every span appears exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_DEPTH = 100


@dataclass(slots=True)
class TreeNode(Generic[T]):
    item: T
    children: list[TreeNode[T]] = field(default_factory=list)


def build_tree(
    items: Sequence[T],
    *,
    id_of: Callable[[T], str],
    parent_of: Callable[[T], str | None],
    max_depth: int = MAX_DEPTH,
) -> list[TreeNode[T]]:
    """Roots, then spans whose parent is missing, then children, each in input order
    (pass items sorted by start time).

    A span whose parent is missing becomes a root after the true roots. A cycle is
    broken at its earliest span. The descendants of a node at level `max_depth` become
    its direct children.
    """
    known = {id_of(item) for item in items}
    children: dict[str, list[T]] = defaultdict(list)
    roots: list[T] = []
    orphans: list[T] = []
    for item in items:
        parent = parent_of(item)
        if parent is None:
            roots.append(item)
        elif parent in known and parent != id_of(item):
            children[parent].append(item)
        else:
            orphans.append(item)

    visited: set[str] = set()
    tree: list[TreeNode[T]] = []

    def walk(root: T) -> None:
        visited.add(id_of(root))
        root_node = TreeNode(root)
        tree.append(root_node)
        # (node, the node its children hang off, level of node)
        stack: list[tuple[TreeNode[T], TreeNode[T], int]] = [(root_node, root_node, 1)]
        while stack:
            node, holder, level = stack.pop()
            for child in children.get(id_of(node.item), ()):
                if id_of(child) in visited:
                    continue
                visited.add(id_of(child))
                child_node = TreeNode(child)
                holder.children.append(child_node)
                # Past the cap, descendants hang off the capped node instead of nesting.
                child_holder = child_node if level + 1 <= max_depth else holder
                stack.append((child_node, child_holder, level + 1))

    for root in roots + orphans:
        walk(root)
    # What is left sits on a cycle of parents: no span of it was reachable from a root.
    for item in items:
        if id_of(item) not in visited:
            walk(item)
    return tree
