"""A batched pathwise solver for logistic elastic nets with glmnet's objective and path.

Each problem minimises, over an intercept ``b0`` and coefficients ``b``,

    -(1/W) sum_i w_i loglik_i(b0 + x_i b) + lambda * (alpha |s*b|_1 + (1-alpha)/2 |s*b|^2)

where ``s`` are the problem's own (weighted, population) standard deviations: glmnet's
``standardize = TRUE``, with coefficients reported in the original units. The lambda
sequence follows glmnet: ``lambda_max`` (the smallest lambda with every coefficient zero,
``max_j |<x_j, y - ybar>| / (W alpha)`` on standardised predictors), then ``nlambda``
values log-spaced down to ``lambda_min_ratio * lambda_max``; the path stops early, as
glmnet's does, once the fraction of deviance explained rises by less than ``1e-5``.

Many problems (every cross-validation fold of every training window of a backtest) are
solved together, lambda index by lambda index, so each step is a few large array
operations instead of thousands of small ones. Problems live on *blocks*: a block is a
leading slice of the rows of one shared design matrix (a training window, when rows are
sorted by year). The problems of a block share its lambda sequence, which its *reference*
problem (the fit on all the block's rows) defines, as ``cv.glmnet`` does.

The method is proximal Newton: the penalised quadratic model is solved exactly on an active
set (batched linear solves) with the Hessian of the block's reference problem, a close
approximation for its folds, refreshed when convergence slows. Convergence is glmnet's
criterion: the largest curvature-weighted squared coordinate update of one coordinate
descent sweep is below ``thresh`` times the null deviance. Data passes run in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

FDEV = 1e-5  # glmnet's minimum rise in the deviance ratio that keeps a path going
DEVMAX = 0.999  # glmnet's maximum deviance ratio
MIN_LAMBDAS = 5  # glmnet's minimum path length before it may stop early
PMIN = 1e-9  # glmnet's clipping of fitted probabilities
ETA_MAX = float(np.log(1.0 / PMIN - 1.0))  # the linear predictor where that clipping starts
MAX_STEPS = 30  # Newton steps allowed per lambda before moving on
REFRESH_EVERY = 2  # lambdas between Hessian refreshes when convergence stays fast
NEAR = 100.0  # criterion multiple below which one unverified Newton step finishes
REFRESH_AFTER = 1  # Newton steps at one lambda after which the Hessian is refreshed


@dataclass(frozen=True)
class PathBatch:
    """Logistic elastic-net problems on leading row slices (blocks) of one design matrix."""

    x: FloatArray  # (n, p) predictors in their own units
    y: FloatArray  # (n,) outcomes in {0, 1}
    weights: FloatArray  # (m, n) observation weights per problem; 0 leaves a row out
    block: IntArray  # (m,) the block each problem belongs to, nondecreasing
    rows: IntArray  # (k,) how many leading rows each block uses
    reference: IntArray  # (k,) the problem whose fit defines each block's lambdas
    alpha: float = 0.5
    nlambda: int = 100
    lambda_min_ratio: float = 1e-4
    thresh: float = 1e-7
    lambdas: FloatArray | None = None  # (k, l) given sequences, decreasing; no early stop
    center: FloatArray | None = None  # (p,) standardisation used internally (default:
    spread: FloatArray | None = None  # mean and sd of x); fixing it makes results
    # independent of how problems are grouped into batches


@dataclass(frozen=True)
class PathResult:
    """Coefficient paths in the predictors' own units, one lambda sequence per block."""

    lambdas: FloatArray  # (k, nlambda), NaN after each block's path length
    length: IntArray  # (k,) path length of each block
    intercepts: FloatArray  # (m, nlambda)
    coefs: FloatArray  # (m, nlambda, p)
    dev_ratio: FloatArray  # (k, nlambda) fraction of deviance explained by the reference
    unconverged: int  # problem-lambdas left at MAX_STEPS (0 in normal use)


@dataclass(frozen=True)
class _Block:
    """One block's problems and their weights on its rows, laid out for fast passes."""

    probs: IntArray  # the block's problems, increasing
    vt: npt.NDArray[np.float32]  # (len(probs), rows) weights normalised to sum 1
    reference: int  # column of the reference problem


@dataclass(frozen=True)
class _Design:
    """The shared design in standardised form, and what is fixed per problem."""

    x1: npt.NDArray[np.float32]  # (n, q) intercept column then standardised predictors
    x1t: npt.NDArray[np.float32]  # (q, n) its transpose, contiguous
    y: npt.NDArray[np.float32]
    blocks: tuple[_Block, ...]  # per block: its problems and their weights
    scale: FloatArray  # (m, q) penalty factor per coefficient (0: intercept)
    excluded: BoolArray  # (m, q) predictors constant in a problem, kept at zero
    null_dev: FloatArray  # (m,) mean negative log-likelihood of the intercept-only fit
    center: FloatArray  # (p,) global means used to standardise
    spread: FloatArray  # (p,) global standard deviations used to standardise


@dataclass
class _State:
    """Mutable solver state, in globally standardised coordinates (column 0: intercept)."""

    beta: FloatArray  # (m, q)
    grad: FloatArray  # (m, q) gradient of the mean negative log-likelihood at beta
    hess: FloatArray  # (k, q, q) Hessian of each block's reference problem
    dev: FloatArray  # (m,) mean negative log-likelihood at beta
    stale: IntArray  # (k,) lambdas since each block's Hessian was refreshed


def solve_path(batch: PathBatch) -> PathResult:
    """Solve every problem of ``batch`` along its block's glmnet lambda path."""
    if np.any(np.diff(batch.block) < 0):
        raise ValueError("problems must be grouped by block, blocks in increasing order")
    design = _design(batch)
    given = batch.lambdas is not None
    lambdas = np.asarray(batch.lambdas) if given else _lambda_grid(batch, design)
    state = _initial_state(batch, design)
    return _run_path(batch, design, lambdas, state, early_stop=not given)


def _design(batch: PathBatch) -> _Design:
    x = np.asarray(batch.x, dtype=np.float64)
    center = x.mean(axis=0) if batch.center is None else np.asarray(batch.center)
    spread = x.std(axis=0) if batch.spread is None else np.asarray(batch.spread).copy()
    spread[spread == 0] = 1.0
    x1 = np.hstack([np.ones((len(x), 1)), (x - center) / spread])
    v = batch.weights / batch.weights.sum(axis=1, keepdims=True)
    sd = np.sqrt(np.maximum(v @ x1**2 - (v @ x1) ** 2, 0.0))
    excluded = sd < 1e-10
    excluded[:, 0], sd[:, 0] = False, 0.0
    ybar = np.clip(v @ batch.y, PMIN, 1 - PMIN)
    null = -(ybar * np.log(ybar) + (1 - ybar) * np.log(1 - ybar))
    blocks = tuple(_block(batch, v, b) for b in range(len(batch.rows)))
    x32 = x1.astype(np.float32)
    return _Design(x32, np.ascontiguousarray(x32.T), batch.y.astype(np.float32), blocks, sd,
                   excluded, null, center, spread)  # fmt: skip


def _block(batch: PathBatch, v: FloatArray, b: int) -> _Block:
    probs = np.flatnonzero(batch.block == b)
    weights = np.ascontiguousarray(v[probs, : batch.rows[b]], dtype=np.float32)
    return _Block(probs, weights, int(np.searchsorted(probs, batch.reference[b])))


def _lambda_grid(batch: PathBatch, design: _Design) -> FloatArray:
    ref = batch.reference
    v = batch.weights[ref] / batch.weights[ref].sum(axis=1, keepdims=True)
    y = batch.y[None, :]
    x1 = design.x1.astype(np.float64)
    score = np.abs((v * (y - (v * y).sum(axis=1, keepdims=True))) @ x1)  # (k, q)
    usable = ~design.excluded[ref]
    usable[:, 0] = False
    ratio = np.where(usable, score / np.where(usable, design.scale[ref], 1.0), 0.0)
    lam_max = ratio.max(axis=1) / max(batch.alpha, 1e-3)
    steps = np.arange(batch.nlambda) / (batch.nlambda - 1)
    return np.asarray(lam_max[:, None] * batch.lambda_min_ratio ** steps[None, :])


def _initial_state(batch: PathBatch, design: _Design) -> _State:
    m, q = design.scale.shape
    k = len(batch.rows)
    v = batch.weights / batch.weights.sum(axis=1, keepdims=True)
    ybar = np.clip(v @ batch.y, PMIN, 1 - PMIN)
    beta = np.zeros((m, q))
    beta[:, 0] = np.log(ybar / (1 - ybar))
    state = _State(beta, np.zeros((m, q)), np.zeros((k, q, q)), np.zeros(m),
                   np.zeros(k, dtype=np.intp))  # fmt: skip
    _evaluate(batch, design, state, np.arange(m), refresh=np.ones(k, dtype=bool))
    return state


def _evaluate(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, refresh: BoolArray
) -> None:
    """One pass over the data for ``probs`` (increasing): gradients, and each block's
    reference deviance (and Hessian where ``refresh``)."""
    blocks = batch.block[probs]
    starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]])
    ends = np.r_[starts[1:], len(probs)]
    eta = _linear_predictors(batch, design, state, probs, starts, ends)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        b = int(blocks[s])
        _evaluate_block(batch, design, state, b, probs[s:e], eta.get(s), bool(refresh[b]))


def _linear_predictors(
    batch: PathBatch,
    design: _Design,
    state: _State,
    probs: IntArray,
    starts: IntArray,
    ends: IntArray,
) -> dict[int, npt.NDArray[np.float32]]:
    """``x1 @ beta`` of the problems of every block with two or more of them in ``probs``
    (problems by rows, keyed by the block's first position in ``probs``), from one matrix
    product on the rows of the largest block. Each element is the same 40-term float32 sum
    whatever the product's shape, so this equals one product per block, only faster."""
    wide = ends - starts >= 2
    if not wide.any():
        return {}
    mine = np.concatenate([np.arange(s, e) for s, e in zip(starts[wide], ends[wide], strict=True)])
    n = int(batch.rows[batch.block[probs[mine]]].max())
    eta = state.beta[probs[mine]].astype(np.float32) @ design.x1t[:, :n]
    offsets = np.r_[0, np.cumsum(ends[wide] - starts[wide])]
    spans = zip(starts[wide], offsets[:-1], offsets[1:], strict=True)
    return {int(s): eta[o:f] for s, o, f in spans}


def _evaluate_block(
    batch: PathBatch,
    design: _Design,
    state: _State,
    b: int,
    probs: IntArray,
    eta_rows: npt.NDArray[np.float32] | None,
    refresh: bool,
) -> None:
    """The pass over one block's rows, in place on its linear predictors (problems by rows):
    each becomes ``1 + exp(-eta)``, then the fitted probability, then the weighted residual
    whose product with the design is the gradient."""
    block = design.blocks[b]
    cols = np.searchsorted(block.probs, probs)
    n = int(batch.rows[b])
    x1, y = design.x1[:n], design.y[:n]
    v = block.vt if len(cols) == len(block.probs) else block.vt[cols]
    eta = _own_eta(x1, state.beta[probs]) if eta_rows is None else eta_rows[:, :n]
    ref = np.flatnonzero(cols == block.reference)
    r = int(ref[0]) if len(ref) else -1
    np.clip(eta, -ETA_MAX, ETA_MAX, out=eta)
    eta_ref = eta[r].copy() if r >= 0 else None
    np.negative(eta, out=eta)
    np.exp(eta, out=eta)
    eta += 1.0
    log_ref = np.log(eta[r], dtype=np.float64) if r >= 0 else None
    np.reciprocal(eta, out=eta)
    if r >= 0 and refresh:
        w = v[r] * eta[r] * (1.0 - eta[r])
        xt = design.x1t[:, :n]
        state.hess[b] = (xt @ (xt * w).T).astype(np.float64)
        state.stale[b] = 0
    eta -= y
    eta *= v
    # BLAS sums a product of few rows its own way: those take the layout they always had
    grad = eta @ x1 if len(probs) >= 4 else np.ascontiguousarray(eta.T).T @ x1
    state.grad[probs] = grad.astype(np.float64)
    if log_ref is not None and eta_ref is not None:
        terms = log_ref + (1.0 - y) * eta_ref
        state.dev[probs[r]] = float(v[r].astype(np.float64) @ terms)


def _own_eta(x1: npt.NDArray[np.float32], beta: FloatArray) -> npt.NDArray[np.float32]:
    """One problem's linear predictor (as a row): a matrix-vector product, which BLAS sums
    its own way, so it is not taken from the batched product."""
    return np.asarray((x1 @ beta.T.astype(np.float32)).T)


def _penalties(
    batch: PathBatch, design: _Design, probs: IntArray, lam: FloatArray
) -> tuple[FloatArray, FloatArray]:
    scale = design.scale[probs]
    l1 = lam[:, None] * batch.alpha * scale
    return l1, lam[:, None] * (1.0 - batch.alpha) * scale**2


def _newton_step(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, lam: FloatArray
) -> FloatArray:
    """The proximal-Newton step for ``probs`` at penalties ``lam`` (one per problem).

    The penalised quadratic model is first solved on an active set with the signs the
    coefficients hold (or, entering, the signs their gradients ask for), dropping those whose
    solution contradicts their sign; if that does not lower the model, the step restarts
    from zero. Coordinate-descent sweeps on the model then fix what the active set missed,
    so the step always lowers the model: a descent direction for the objective.
    """
    model = _model(batch, design, state, probs, lam)
    new = _active_set_solve(model)
    moved = _hess_times(model.hess, model.blocks, new - model.beta)
    lower = (_model_value(model, new, moved) <= 0.0)[:, None]
    new = np.where(lower, new, model.beta)
    return _cd_sweeps(model, new, np.where(lower, moved, 0.0), SWEEPS) - model.beta


SWEEPS = 2  # coordinate-descent sweeps polishing each Newton step
ENTER_TOL = 1e-5  # relative margin a zero coefficient's gradient must pass (float32 passes)


@dataclass(frozen=True)
class _Model:
    """The penalised quadratic model of each problem around its current coefficients: the
    curvature is its block's Hessian plus the ridge part of the penalty."""

    beta: FloatArray
    grad: FloatArray
    hess: FloatArray  # (k, q, q) the Hessian of each block
    blocks: IntArray  # (m,) each problem's block, grouped
    l1: FloatArray
    l2: FloatArray
    excluded: BoolArray


def _model(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, lam: FloatArray
) -> _Model:
    l1, l2 = _penalties(batch, design, probs, lam)
    return _Model(state.beta[probs], state.grad[probs], state.hess, batch.block[probs], l1, l2,
                  design.excluded[probs])  # fmt: skip


def _hess_times(hess: FloatArray, blocks: IntArray, d: FloatArray) -> FloatArray:
    """``H_b d`` for each row of ``d`` (rows grouped by block ``b``)."""
    out = np.empty_like(d)
    starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]])
    for s, e in zip(starts.tolist(), [*starts[1:].tolist(), len(d)], strict=True):
        out[s:e] = d[s:e] @ hess[blocks[s]].T
    return out


def _model_value(model: _Model, new: FloatArray, moved: FloatArray) -> FloatArray:
    """Model value at ``new`` minus its value at the current coefficients (``moved``: the
    Hessian times ``new - beta``)."""
    d = new - model.beta
    quad = 0.5 * ((moved + model.l2 * d) * d).sum(1)
    lin = (model.grad * d).sum(1) + (model.l2 * model.beta * d).sum(1)
    l1 = (model.l1 * (np.abs(new) - np.abs(model.beta))).sum(1)
    return np.asarray(quad + lin + l1)


def _active_set_solve(model: _Model) -> FloatArray:
    beta, grad = model.beta, model.grad
    nonzero = beta != 0
    active = (nonzero | (np.abs(grad) > model.l1 * (1 + ENTER_TOL))) & ~model.excluded
    active[:, 0] = True
    sign = np.where(nonzero, np.sign(beta), -np.sign(grad))
    sign[:, 0] = 0.0
    rhs = -(grad + model.l2 * beta + model.l1 * sign)
    new = beta.copy()
    rows = np.arange(len(beta))
    for _ in range(beta.shape[1]):
        new[rows] = beta[rows] + _masked_solve(model, rows, rhs[rows], active[rows])
        wrong = active[rows] & (new[rows] * sign[rows] < 0)
        hit = wrong.any(axis=1)
        new[rows[hit]] *= ~wrong[hit]
        active[rows] &= ~wrong
        rows = rows[hit]
        if not len(rows):
            break
    return new


def _cd_sweeps(model: _Model, new: FloatArray, moved: FloatArray, sweeps: int) -> FloatArray:
    """Cyclic coordinate descent on the quadratic models (each sweep lowers them), for the
    problems whose model is not yet optimal at ``new`` (``moved``: the Hessian times
    ``new - beta``)."""
    u = new.copy()
    resid = model.grad + model.l2 * u + moved
    rows = np.flatnonzero(_suboptimal(model, u, resid))
    if not len(rows):
        return u
    sub, r = u[rows], resid[rows]
    l1, excluded = model.l1[rows], model.excluded[rows]
    system = model.hess[model.blocks[rows]]
    diag = np.diagonal(system, axis1=1, axis2=2) + model.l2[rows]
    for _ in range(sweeps):
        for j in range(u.shape[1]):
            z = diag[:, j] * sub[:, j] - r[:, j]
            shrunk = np.sign(z) * np.maximum(np.abs(z) - l1[:, j], 0.0)
            target = np.divide(shrunk, diag[:, j], out=np.zeros_like(shrunk),
                               where=~excluded[:, j])  # fmt: skip
            delta = np.where(excluded[:, j], 0.0, target - sub[:, j])
            sub[:, j] += delta
            r += system[:, :, j] * delta[:, None]
            r[:, j] += model.l2[rows, j] * delta
    u[rows] = sub
    return u


def _suboptimal(model: _Model, u: FloatArray, resid: FloatArray) -> BoolArray:
    """Rows whose quadratic model breaks its optimality conditions at ``u``."""
    tol = 1e-9 + ENTER_TOL * model.l1
    zero = (u == 0) & ~model.excluded
    zero[:, 0] = False
    off = np.where(zero, np.abs(resid) - model.l1, np.abs(resid + model.l1 * np.sign(u)))
    off[model.excluded] = 0.0
    return np.asarray((off > tol).any(axis=1))


SOLVE_SIZES = 4  # active sets are solved in systems padded to a multiple of this size


def _masked_solve(model: _Model, rows: IntArray, rhs: FloatArray, active: BoolArray) -> FloatArray:
    """Solve each row's system restricted to its active coordinates (zero elsewhere): the
    active coordinates are gathered into small systems, grouped by padded size."""
    count = active.sum(axis=1)
    order = np.argsort(~active, axis=1, kind="stable")  # active coordinates first, in order
    size = -(-count // SOLVE_SIZES) * SOLVE_SIZES
    out = np.zeros_like(rhs)
    for k in np.unique(size).tolist():
        mine = np.flatnonzero(size == k)
        out[mine[:, None], order[mine, :k]] = _small_solve(
            model, rows[mine], rhs[mine], order[mine, :k], count[mine]
        )
    return out


def _small_solve(
    model: _Model, rows: IntArray, rhs: FloatArray, index: IntArray, count: IntArray
) -> FloatArray:
    k = index.shape[1]
    used = np.arange(k)[None, :] < count[:, None]
    blocks = model.blocks[rows]
    system = model.hess[blocks[:, None, None], index[:, :, None], index[:, None, :]]
    both = used[:, :, None] & used[:, None, :]
    system = np.where(both, system, 0.0)
    diag = np.arange(k)
    system[:, diag, diag] += np.where(used, np.take_along_axis(model.l2[rows], index, 1), 1.0)
    b = np.where(used, np.take_along_axis(rhs, index, 1), 0.0)
    return np.asarray(np.linalg.solve(system, b[..., None])[..., 0])


def _objective(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, lam: FloatArray
) -> FloatArray:
    sb = design.scale[probs] * state.beta[probs]
    a = batch.alpha
    penalty = a * np.abs(sb).sum(axis=1) + (1 - a) / 2 * (sb**2).sum(axis=1)
    return np.asarray(state.dev[probs] + lam * penalty)


def _solve_lambda(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, lam: FloatArray
) -> int:
    """Bring ``probs`` to convergence at penalties ``lam[probs]``; count the failures.

    After each pass, a problem whose coordinate-descent measure is below the threshold has
    converged. One that is close (below ``NEAR`` times it) takes one more Newton step,
    moving its gradient along the quadratic model instead of passing over the data again;
    that step's error is far below the threshold.
    """
    limit = batch.thresh * design.null_dev
    todo = probs
    for attempt in range(MAX_STEPS):
        step = _newton_step(batch, design, state, todo, lam[todo])
        guarded = np.flatnonzero(np.isin(todo, batch.reference))
        before = _objective(batch, design, state, todo[guarded], lam[todo[guarded]])
        state.beta[todo] += step
        blocks = batch.block[todo]
        refresh = np.zeros(len(batch.rows), dtype=bool)
        refresh[blocks] = (attempt >= REFRESH_AFTER) | (state.stale[blocks] >= REFRESH_EVERY)
        _evaluate(batch, design, state, todo, refresh)
        _halve_worse(batch, design, state, todo[guarded], lam, step[guarded], before)
        crit = _sweep_criterion(batch, design, state, todo, lam[todo]) / limit[todo]
        near = todo[(crit >= 1.0) & (crit < NEAR)]
        if len(near):
            last = _newton_step(batch, design, state, near, lam[near])
            _take_small_steps(batch, state, near, last)
        todo = todo[crit >= NEAR]
        if not len(todo):
            return 0
    return len(todo)


def _sweep_criterion(
    batch: PathBatch, design: _Design, state: _State, probs: IntArray, lam: FloatArray
) -> FloatArray:
    """glmnet's measure: largest ``H_jj d_j^2`` over one sweep of coordinate updates."""
    beta, grad = state.beta[probs], state.grad[probs]
    l1, l2 = _penalties(batch, design, probs, lam)
    diag = np.diagonal(state.hess[batch.block[probs]], axis1=1, axis2=2)
    u = diag * beta - grad
    shrunk = np.sign(u) * np.maximum(np.abs(u) - l1, 0.0)
    kept = ~design.excluded[probs]  # constant predictors: zero curvature, kept at zero
    new = np.divide(shrunk, diag + l2, out=np.zeros_like(shrunk), where=kept)
    return np.asarray((diag * (new - beta) ** 2).max(axis=1))


def _take_small_steps(batch: PathBatch, state: _State, probs: IntArray, step: FloatArray) -> None:
    """Apply converged steps; move gradient and deviance along the quadratic model."""
    if not len(probs):
        return
    hess = state.hess[batch.block[probs]]
    moved = np.einsum("mij,mj->mi", hess, step)
    state.dev[probs] += (state.grad[probs] * step).sum(axis=1) + 0.5 * (moved * step).sum(axis=1)
    state.grad[probs] += moved
    state.beta[probs] += step


def _halve_worse(
    batch: PathBatch,
    design: _Design,
    state: _State,
    probs: IntArray,
    lam: FloatArray,
    step: FloatArray,
    before: FloatArray,
) -> None:
    """Halve the steps of reference problems whose objective rose (rarely needed)."""
    no_refresh = np.zeros(len(batch.rows), dtype=bool)
    for _ in range(20):
        after = _objective(batch, design, state, probs, lam[probs])
        worse = after > before + 1e-9 * np.abs(before)
        if not worse.any():
            return
        step[worse] /= 2
        state.beta[probs[worse]] -= step[worse]
        _evaluate(batch, design, state, probs[worse], no_refresh)


def _run_path(
    batch: PathBatch, design: _Design, lambdas: FloatArray, state: _State, *, early_stop: bool
) -> PathResult:
    k, nlam = lambdas.shape
    betas = np.full((state.beta.shape[0], nlam, state.beta.shape[1]), np.nan)
    dev_ratio = np.full((k, nlam), np.nan)
    length = np.full(k, nlam, dtype=np.intp)
    running = np.ones(k, dtype=bool)
    failed = 0
    for i in range(nlam):
        probs = np.flatnonzero(running[batch.block])
        failed += _solve_lambda(batch, design, state, probs, lambdas[batch.block, i])
        betas[probs, i] = state.beta[probs]
        state.stale[running] += 1
        live = np.flatnonzero(running)
        ref = batch.reference[live]
        dev_ratio[live, i] = 1.0 - state.dev[ref] / design.null_dev[ref]
        stop = live[_stops(dev_ratio[live], i)] if early_stop else live[:0]
        length[stop], running[stop] = i + 1, False
        if not running.any():
            break
    lambdas = np.where(np.arange(nlam)[None, :] < length[:, None], lambdas, np.nan)
    return _result(design, lambdas, length, betas, dev_ratio, failed)


def _stops(ratio: FloatArray, i: int) -> BoolArray:
    """glmnet's early stop: after five lambdas, deviance ratio saturates or stalls."""
    if i + 1 < MIN_LAMBDAS:
        return np.zeros(len(ratio), dtype=bool)
    return np.asarray((ratio[:, i] > DEVMAX) | (ratio[:, i] - ratio[:, i - 1] < FDEV))


def _result(
    design: _Design,
    lambdas: FloatArray,
    length: IntArray,
    betas: FloatArray,
    ratio: FloatArray,
    failed: int,
) -> PathResult:
    coefs = betas[:, :, 1:] / design.spread
    intercepts = betas[:, :, 0] - coefs @ design.center
    return PathResult(lambdas, length, intercepts, coefs, ratio, failed)
