"""Maximum flow / minimum s-t cut with float64 capacities (Dinic's algorithm).

The graph is given as arcs in pairs: arc ``2k`` and arc ``2k + 1`` are each other's
reverse (``a ^ 1``), with residual capacities ``cap`` (modified in place) and heads
``head``; ``adj[start[v]:start[v + 1]]`` lists the arcs leaving node ``v``.  An undirected
edge of capacity c is the pair (c, c); a directed arc of capacity c is the pair (c, 0).

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
def _bfs_levels(s, start, adj, head, cap, level, queue):
    """Levels (BFS distance from s over arcs with residual > 0); -1 if unreachable."""
    level[:] = -1
    level[s] = 0
    qh, qt = 0, 1
    queue[0] = s
    while qh < qt:
        v = queue[qh]
        qh += 1
        for k in range(start[v], start[v + 1]):
            a = adj[k]
            w = head[a]
            if level[w] < 0 and cap[a] > 0.0:
                level[w] = level[v] + 1
                queue[qt] = w
                qt += 1


@njit(cache=True, error_model="numpy")
def _max_flow(s, t, start, adj, head, cap, reach):
    """Dinic's maximum flow from ``s`` to ``t`` (``cap`` becomes the residual); returns the
    flow value and sets ``reach[v] = 1`` for the source side of a minimum cut."""
    n = len(start) - 1
    level = np.empty(n, np.int64)
    queue = np.empty(n, np.int64)
    it = np.empty(n, np.int64)
    path = np.empty(n, np.int64)
    total = 0.0
    while True:
        _bfs_levels(s, start, adj, head, cap, level, queue)
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
                    cap[a ^ 1] += f
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
                a = adj[it[v]]
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
                v = head[path[depth] ^ 1]  # the arc's tail
                it[v] += 1
    _bfs_levels(s, start, adj, head, cap, level, queue)
    for v in range(n):
        reach[v] = 1 if level[v] >= 0 else 0
    return total
