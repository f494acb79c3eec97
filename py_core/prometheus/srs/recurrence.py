"""The FSRS-6 memory recurrence run over many cards at once, with exact parameter gradients.

Histories are padded (cards x steps) arrays, so each step is a handful of numpy operations
over every card: the cost grows with the longest history, not with the number of reviews,
which is what keeps it fast in Pyodide where each numpy call has a large fixed overhead.
Gradients are forward-mode: each card carries d(stability)/dw and d(difficulty)/dw (21 columns
each) through the recurrence, the same derivatives autograd would produce, clamps included.
"""

from __future__ import annotations

import math

import numpy as np

from .parameters import MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

LOSS_EPS = 1e-7  # predictions are kept in [eps, 1 - eps] inside the log loss


def _forgetting(w, t, s):
    """R = (1 + factor t / s) ** decay, and u = 1 + factor t / s."""
    factor = 0.9 ** (-1.0 / w[20]) - 1.0
    u = 1.0 + factor * t / s
    return u ** (-w[20]), u, factor


def run(w, ratings, elapsed, *, loss_weights=None, want_predictions=False, want_gradient=False):
    """Replay histories with parameters `w`.

    ratings: (N, T) int, 1-4, 0 = padding after a card's last review.
    elapsed: (N, T) whole days since the previous review (ignored at step 0).
    loss_weights: (N, T) weight of each review's log-loss term (0 = not a target).
    Returns a dict with `stability`, `difficulty` (N,) after the last review, and as asked
    `predictions` (N, T) retrievability before each review (NaN at step 0 and padding),
    `loss` (weighted sum) and `gradient` (21,).
    """
    w = np.asarray(w, dtype=float)
    ratings = np.asarray(ratings)
    n, steps = ratings.shape
    elapsed = np.asarray(elapsed, dtype=float)
    out: dict = {}
    predictions = np.full((n, steps), np.nan) if want_predictions else None
    loss = 0.0
    grad = np.zeros(21) if want_gradient else None
    if n == 0 or steps == 0:
        out.update(
            stability=np.zeros(0), difficulty=np.zeros(0), loss=0.0, gradient=grad, predictions=predictions
        )
        return out

    exp_w8 = math.exp(w[8])
    d_target = w[4] - math.exp(3.0 * w[5]) + 1.0  # initial difficulty of Easy, unclamped
    short_forget = math.exp(-w[17] * w[18])
    factor_base = 0.9 ** (-1.0 / w[20])
    d_factor = factor_base * math.log(0.9) / (w[20] ** 2)  # d factor / d w20

    # step 0: initial memory state from the first rating
    g = ratings[:, 0].astype(int)
    gi = np.clip(g, 1, 4)
    s = np.maximum(w[gi - 1], STABILITY_MIN)
    d_raw = w[4] - np.exp(w[5] * (gi - 1)) + 1.0
    d = np.clip(d_raw, MIN_DIFFICULTY, MAX_DIFFICULTY)
    if want_gradient:
        rows = np.arange(n)
        ds = np.zeros((n, 21))
        ds[rows, gi - 1] = 1.0
        dd = np.zeros((n, 21))
        inside = (d_raw > MIN_DIFFICULTY) & (d_raw < MAX_DIFFICULTY)
        dd[:, 4] = inside
        dd[:, 5] = -(gi - 1) * np.exp(w[5] * (gi - 1)) * inside

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(1, steps):
            g = ratings[:, k]
            active = g > 0
            if not active.any():
                break
            t = elapsed[:, k]
            r, u, factor = _forgetting(w, t, s)
            if predictions is not None:
                predictions[:, k] = np.where(active, r, np.nan)
            lw = None
            if loss_weights is not None:
                lw = loss_weights[:, k]
                y = (g > 1).astype(float)
                rc = np.clip(r, LOSS_EPS, 1 - LOSS_EPS)
                terms = -(y * np.log(rc) + (1 - y) * np.log(1 - rc))
                loss += float(np.dot(lw, np.where(lw > 0, terms, 0.0)))

            same_day = t < 1
            again = g == 1
            hard = g == 2
            easy = g == 4
            hp = np.where(hard, w[15], 1.0)
            eb = np.where(easy, w[16], 1.0)
            # long-term recall
            k0 = exp_w8 * (11.0 - d) * s ** (-w[9])
            e = np.exp((1.0 - r) * w[10])
            a = k0 * hp * eb * (e - 1.0)
            s_recall = s * (1.0 + a)
            # long-term lapse
            dp = d ** (-w[12])
            sp = (s + 1.0) ** w[13]
            x = np.exp((1.0 - r) * w[14])
            lapse_long = w[11] * dp * (sp - 1.0) * x
            lapse_short = s * short_forget
            use_long = lapse_long <= lapse_short
            s_lapse = np.where(use_long, lapse_long, lapse_short)
            # same day
            si = np.exp(w[17] * (g - 3.0 + w[18])) * s ** (-w[19])
            si_floor = (g >= 2) & (si < 1.0)
            s_same = s * np.where(si_floor, 1.0, si)

            recall = ~same_day & ~again
            lapse = ~same_day & again
            s_new = np.where(same_day, s_same, np.where(again, s_lapse, s_recall))
            s_floor = s_new < STABILITY_MIN
            s_new = np.where(s_floor, STABILITY_MIN, s_new)
            delta = -w[6] * (g - 3.0)
            damped = d + (10.0 - d) * delta / 9.0
            d_raw = w[7] * d_target + (1.0 - w[7]) * damped
            d_new = np.clip(d_raw, MIN_DIFFICULTY, MAX_DIFFICULTY)

            if want_gradient:
                # dR = a_s * dS + r20 * e20
                a_s = r * w[20] * t * factor / (u * s * s)
                r20 = r * (-np.log(u) - w[20] * t * d_factor / (u * s))
                if lw is not None:
                    dl_dr = -(y / rc - (1 - y) / (1 - rc)) * lw
                    dl_dr = np.where(lw > 0, dl_dr, 0.0)
                    grad += (dl_dr * a_s) @ ds
                    grad[20] += float(np.dot(dl_dr, r20))
                kk = k0 * hp * eb
                c_r_recall = -s * kk * w[10] * e
                c_r_lapse = -w[14] * lapse_long
                cs_recall = 1.0 + a - w[9] * a + c_r_recall * a_s
                cd_recall = -s * a / (11.0 - d)
                cs_long = w[11] * dp * x * w[13] * (s + 1.0) ** (w[13] - 1.0) + c_r_lapse * a_s
                cd_long = -w[12] * lapse_long / d
                cs_same = np.where(si_floor, 1.0, si * (1.0 - w[19]))

                m_rec = recall.astype(float)
                m_long = (lapse & use_long).astype(float)
                m_short = (lapse & ~use_long).astype(float)
                m_same = (same_day & ~si_floor).astype(float)
                keep = ~(s_floor) & active
                cs = np.where(
                    same_day,
                    cs_same,
                    np.where(again, np.where(use_long, cs_long, short_forget), cs_recall),
                )
                cd = m_rec * cd_recall + m_long * cd_long
                cols = np.zeros((n, 21))
                cols[:, 8] = m_rec * s * a
                cols[:, 9] = m_rec * (-s * a * np.log(s))
                cols[:, 10] = m_rec * s * kk * (1.0 - r) * e
                cols[:, 15] = m_rec * hard * s * k0 * (e - 1.0)
                cols[:, 16] = m_rec * easy * s * k0 * hp * (e - 1.0)
                cols[:, 11] = m_long * dp * (sp - 1.0) * x
                cols[:, 12] = m_long * (-lapse_long * np.log(d))
                cols[:, 13] = m_long * w[11] * dp * x * sp * np.log(s + 1.0)
                cols[:, 14] = m_long * (1.0 - r) * lapse_long
                cols[:, 17] = m_short * (-w[18] * lapse_short) + m_same * s * si * (g - 3.0 + w[18])
                cols[:, 18] = m_short * (-w[17] * lapse_short) + m_same * s * si * w[17]
                cols[:, 19] = m_same * (-s * si * np.log(s))
                cols[:, 20] = (m_rec * c_r_recall + m_long * c_r_lapse) * r20
                ds_new = cs[:, None] * ds + cd[:, None] * dd + cols
                ds = np.where(keep[:, None], ds_new, np.where(active[:, None], 0.0, ds))

                d_inside = (d_raw > MIN_DIFFICULTY) & (d_raw < MAX_DIFFICULTY) & active
                dd_new = ((1.0 - w[7]) * (1.0 - delta / 9.0))[:, None] * dd
                dd_new[:, 4] += w[7]
                dd_new[:, 5] += w[7] * (-3.0 * math.exp(3.0 * w[5]))
                dd_new[:, 6] += (1.0 - w[7]) * (10.0 - d) * (-(g - 3.0)) / 9.0
                dd_new[:, 7] += d_target - damped
                dd = np.where(d_inside[:, None], dd_new, np.where(active[:, None], 0.0, dd))

            s = np.where(active, s_new, s)
            d = np.where(active, d_new, d)

    out.update(stability=s, difficulty=d, loss=loss, gradient=grad, predictions=predictions)
    return out
