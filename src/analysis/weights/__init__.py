"""Weighting methods. Each returns the weight of every node within its parent (summing to 1).

- :mod:`.basic` — equal, explicit (framework) and budget allocation
- :mod:`.ahp` — Analytic Hierarchy Process (eigenvector with Saaty's CR / geometric mean with GCI, group AIJ/AIP)
- :mod:`.pca` — PCA / factor-analysis weights (Handbook and COINr variants), KMO, Bartlett
- :mod:`.bod` — benefit of the doubt (per-unit LP weights)
- :mod:`.entropy` — Shannon entropy and CRITIC
- :mod:`.optimise` — weights optimised to target importances
- :mod:`.derive` — apply a data-driven method within every group, bottom-up
"""

from ._common import group_weights, normalise_within
from .ahp import AHPResult, ahp, ahp_group, ahp_weights, consistency_table, gci, read_ahp
from .basic import BudgetResult, budget_allocation, equal_weights, explicit_weights
from .bod import BoDResult, benefit_of_doubt
from .derive import derive_weights
from .entropy import critic_weights, entropy_weights
from .optimise import OptimisedWeights, optimise_weights
from .pca import PCAResult, bartlett, kmo, pca_weights

__all__ = ["group_weights", "normalise_within", "AHPResult", "ahp", "ahp_group", "ahp_weights", "read_ahp",
           "gci", "consistency_table",
           "BudgetResult", "budget_allocation", "equal_weights", "explicit_weights", "BoDResult",
           "benefit_of_doubt", "derive_weights", "critic_weights", "entropy_weights", "OptimisedWeights",
           "optimise_weights", "PCAResult", "bartlett", "kmo", "pca_weights"]
