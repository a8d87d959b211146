"""Maximum flow / minimum s-t cut on a pixel grid with float64 capacities (Dinic's
algorithm), for the exact MAP of binary images under an Ising prior.

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
def _seed_levels(sources, src, level, queue):
    """Level 1 (and a place in the BFS queue) for each pixel the source still feeds; every
    other level reset to -1.  Returns the queue length."""
    level[:] = -1
    qt = 0
    for j in range(len(sources)):
        v = sources[j]
        if src[v] > 0.0:
            level[v] = 1
            queue[qt] = v
            qt += 1
    return qt


@njit(cache=True, error_model="numpy")
def _grid_max_flow(cap, src, snk, off, opp, reach):
    """Dinic's maximum flow on a pixel grid with implicit adjacency.

    ``cap[v, k]`` is the residual capacity of the arc from pixel ``v`` (flat index) to pixel
    ``v + off[k]`` (0 where that neighbour lies outside the image, so no bounds are checked),
    whose reverse arc is ``(v + off[k], opp[k])``; ``src[v]`` and ``snk[v]`` are the residuals
    of source -> v and v -> sink.  Arcs back into the source or out of the sink never lie on a
    shortest augmenting path, so they are not stored.  All arrays are modified in place;
    ``reach[v] = 1`` marks the source side of a minimum cut.  Returns the flow value.

    The grid's arcs are implicit (no head, reverse or adjacency arrays): 8 (K + 2) bytes a
    pixel for the capacities and 17 for the search, about 65 bytes a pixel in all for K = 4.
    """
    N, K = cap.shape
    level = np.empty(N, np.int32)
    queue = np.empty(N, np.int32)
    it = np.empty(N, np.int32)
    path_v = np.empty(N + 1, np.int32)
    path_k = np.empty(N + 1, np.int32)
    n_src = 0
    for v in range(N):
        if src[v] > 0.0:
            n_src += 1
    sources = np.empty(n_src, np.int32)
    j = 0
    for v in range(N):
        if src[v] > 0.0:
            sources[j] = v
            j += 1
    total = 0.0
    while True:
        # ---- levels from the source, stopped once the sink's level is known
        qt = _seed_levels(sources, src, level, queue)
        qh = 0
        t_level = -1
        while qh < qt:
            v = queue[qh]
            qh += 1
            if t_level >= 0 and level[v] >= t_level - 1:
                break
            if snk[v] > 0.0:
                t_level = level[v] + 1
                continue
            for k in range(K):
                if cap[v, k] > 0.0:
                    w = v + off[k]
                    if level[w] < 0:
                        level[w] = level[v] + 1
                        queue[qt] = w
                        qt += 1
        if t_level < 0:
            break
        # ---- blocking flow by depth-first search with current-arc pointers
        it[:] = 0
        last = t_level - 1
        for j in range(n_src):
            i = sources[j]
            if src[i] <= 0.0 or level[i] != 1:
                continue
            depth = 0
            path_v[0] = i
            v = i
            while True:
                if level[v] == last and snk[v] > 0.0:
                    # augment along source -> path -> sink by the bottleneck
                    f = min(src[i], snk[v])
                    for d in range(depth):
                        f = min(f, cap[path_v[d], path_k[d]])
                    src[i] -= f
                    snk[v] -= f
                    for d in range(depth):
                        a = path_v[d]
                        k = path_k[d]
                        cap[a, k] -= f
                        cap[a + off[k], opp[k]] += f
                    total += f
                    if src[i] <= 0.0:
                        break
                    # back to the tail of the first saturated arc (or stay, sink arc full)
                    for d in range(depth):
                        if cap[path_v[d], path_k[d]] <= 0.0:
                            depth = d
                            break
                    v = path_v[depth]
                    continue
                advanced = False
                if level[v] != last:
                    while it[v] < K:
                        k = it[v]
                        if cap[v, k] > 0.0:
                            w = v + off[k]
                            if level[w] == level[v] + 1:
                                path_k[depth] = k
                                depth += 1
                                path_v[depth] = w
                                v = w
                                advanced = True
                                break
                        it[v] += 1
                if advanced:
                    continue
                level[v] = -1  # a dead end for the rest of the phase
                if depth == 0:
                    break
                depth -= 1
                v = path_v[depth]
                it[v] += 1
    # ---- the source side: everything still reachable from the source
    qt = _seed_levels(sources, src, level, queue)
    qh = 0
    while qh < qt:
        v = queue[qh]
        qh += 1
        for k in range(K):
            if cap[v, k] > 0.0:
                w = v + off[k]
                if level[w] < 0:
                    level[w] = 1
                    queue[qt] = w
                    qt += 1
    for v in range(N):
        reach[v] = 1 if level[v] >= 0 else 0
    return total
