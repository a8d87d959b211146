"""Maximum flow / minimum s-t cut with float64 capacities (Dinic's algorithm).

The graph is given as arcs sorted by their tail: the arcs leaving node ``v`` are
``start[v]:start[v + 1]``, with heads ``head``, residual capacities ``cap`` (modified in
place) and ``rev[a]`` the index of the reverse arc.  An undirected edge of capacity c is a
pair of arcs (c, c); a directed arc of capacity c is the pair (c, 0).  Arcs contiguous by
tail (rather than an index list into arcs stored in pairs) keep each node's scan in one
cache line or two.

Float capacities need no scaling to integers: an augmentation subtracts the path's
bottleneck, which is one of the residuals itself, so that arc becomes exactly 0, and
``a - b > 0`` whenever ``a > b`` in IEEE arithmetic, so no residual turns negative or
spuriously positive.  Each phase saturates an arc per augmentation and Dinic's level
bound ends the phases, so the algorithm terminates as it does with integers.  The cut
returned is a minimum cut of the given capacities up to the rounding of the flow sums
(relative 1e-15 of the flow value).
"""

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _bfs_levels(s, t, start, head, cap, level, queue):
    """Levels (BFS distance from s over arcs with residual > 0); -1 if unreachable.  The
    search stops once the level of ``t`` is complete (no shortest path goes further);
    ``t = -1`` labels everything reachable."""
    level[:] = -1
    level[s] = 0
    qh, qt = 0, 1
    queue[0] = s
    while qh < qt:
        v = queue[qh]
        qh += 1
        if t >= 0 and level[t] >= 0 and level[v] >= level[t]:
            break
        for a in range(start[v], start[v + 1]):
            w = head[a]
            if level[w] < 0 and cap[a] > 0.0:
                level[w] = level[v] + 1
                queue[qt] = w
                qt += 1


@njit(cache=True, error_model="numpy")
def _max_flow(s, t, start, head, rev, cap, reach):
    """Dinic's maximum flow from ``s`` to ``t`` (``cap`` becomes the residual); returns the
    flow value and sets ``reach[v] = 1`` for the source side of a minimum cut."""
    n = len(start) - 1
    level = np.empty(n, np.int64)
    queue = np.empty(n, np.int64)
    it = np.empty(n, np.int64)
    path = np.empty(n, np.int64)
    total = 0.0
    while True:
        _bfs_levels(s, t, start, head, cap, level, queue)
        if level[t] < 0:
            break
        for v in range(n):
            it[v] = start[v]
        depth = 0
        v = s
        while True:
            if v == t:
                f = np.inf
                for k in range(depth):
                    f = min(f, cap[path[k]])
                for k in range(depth):
                    a = path[k]
                    cap[a] -= f
                    cap[rev[a]] += f
                total += f
                # back to the tail of the first saturated arc
                for k in range(depth):
                    if cap[path[k]] <= 0.0:
                        depth = k
                        break
                v = s if depth == 0 else head[path[depth - 1]]
                continue
            advanced = False
            while it[v] < start[v + 1]:
                a = it[v]
                w = head[a]
                if cap[a] > 0.0 and level[w] == level[v] + 1:
                    path[depth] = a
                    depth += 1
                    v = w
                    advanced = True
                    break
                it[v] += 1
            if not advanced:
                if v == s:
                    break
                level[v] = -1  # a dead end for the rest of the phase
                depth -= 1
                v = head[rev[path[depth]]]  # the arc's tail
                it[v] += 1
    _bfs_levels(s, -1, start, head, cap, level, queue)
    for v in range(n):
        reach[v] = 1 if level[v] >= 0 else 0
    return total
