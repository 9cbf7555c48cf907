"""The Pi shell of the shared piece runtime: values and link news reach it
with the backend clock's time, so a fade after idle lasts its full time
(the recording devices' history shows what the hardware would get)."""

from artcast_core.piece import check_piece
from artcast_kinetic.backends.clock import ManualClock
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import PieceRunner

PIECE = check_piece({"server": "http://127.0.0.1:9", "outputs": [
    {"key": "lamp", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "linear", "from": [0, 10]},
     "motion": {"fade": 2}, "on_disconnect": "safe"}]})


def opened():
    clock = ManualClock()
    runner = PieceRunner(PIECE, SimulatedBackend(clock=clock))
    runner.open_devices()
    return runner, clock, runner.devices[0]


def test_a_fade_after_idle_starts_when_the_value_arrives():
    runner, clock, lamp = opened()
    runner.deliver("lamp", 10)
    clock.advance(2)
    runner.frame()
    assert lamp.state == 1.0 and not runner.moving()
    clock.advance(300)                 # five idle minutes: no frame runs
    runner.deliver("lamp", 0)
    clock.advance(0.5)
    runner.frame()
    assert lamp.history[-1] == (302.5, 0.75), lamp.history
    clock.advance(1.5)
    runner.frame()
    assert lamp.state == 0.0


def test_back_online_after_idle_fades_in_from_off():
    runner, clock, lamp = opened()
    runner.deliver("lamp", 10)
    clock.advance(2)
    runner.frame()
    runner.link("lamp", False)
    assert lamp.state == 0.0
    clock.advance(60)
    runner.link("lamp", True)
    clock.advance(1)
    runner.frame()
    assert lamp.history[-1] == (63.0, 0.5), lamp.history
