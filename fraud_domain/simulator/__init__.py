"""The Fraud Detection Handbook's transaction simulator (chapter 3) plus the platform's extra patterns.

``simulate(config)`` returns a ``Simulation`` whose ``transactions`` DataFrame has the handbook's layout;
``iter_events(sim, tokeniser)`` turns its rows into ``(TransactionEvent, Label)`` pairs.
"""

from fraud_domain.simulator.config import SimulatorConfig
from fraud_domain.simulator.dataset import EXTRA_COLUMNS, HANDBOOK_COLUMNS, Simulation, simulate
from fraud_domain.simulator.events import iter_events

__all__ = ["EXTRA_COLUMNS", "HANDBOOK_COLUMNS", "Simulation", "SimulatorConfig", "iter_events", "simulate"]
