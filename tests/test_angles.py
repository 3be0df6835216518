"""The angle conventions of formcheck.metrics.angles, on hand-built points."""

import numpy as np
import pytest

from formcheck.metrics.angles import (
    angle_from_horizontal,
    angle_from_vertical,
    joint_angle,
)

# Image coordinates: x right, y down.
HIP = np.array([100.0, 200.0])


@pytest.mark.parametrize(
    ("shoulder", "forward", "expected"),
    [
        ((100.0, 100.0), 1.0, 0.0),  # upright
        ((110.0, 100.0), 1.0, 5.71),  # top to the right, runner faces right: forward
        ((90.0, 100.0), -1.0, 5.71),  # mirrored: same lean when facing left
        ((90.0, 100.0), 1.0, -5.71),  # top behind: leaning back is negative
        ((200.0, 200.0), 1.0, 90.0),  # horizontal
    ],
)
def test_angle_from_vertical_is_forward_positive_for_either_facing(
    shoulder, forward, expected
):
    got = angle_from_vertical(np.array(shoulder), HIP, forward)
    assert got == pytest.approx(expected, abs=0.01)


def test_angle_from_vertical_is_vectorised_and_propagates_nan():
    tops = np.array([[100.0, 100.0], [np.nan, np.nan]])
    got = angle_from_vertical(tops, np.array([HIP, HIP]), 1.0)
    assert got[0] == pytest.approx(0.0)
    assert np.isnan(got[1])


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((0, 0), (0, 10), (0, 20), 180.0),  # straight
        ((0, 0), (0, 10), (10, 10), 90.0),
        ((0, 0), (0, 10), (0, 0), 0.0),  # folded
    ],
)
def test_joint_angle(a, b, c, expected):
    assert joint_angle(np.array(a, float), np.array(b, float), np.array(c, float)) == (
        pytest.approx(expected, abs=1e-6)
    )


def test_joint_angle_of_a_zero_length_side_is_nan():
    p = np.array([1.0, 1.0])
    assert np.isnan(joint_angle(p, p, np.array([2.0, 2.0])))


@pytest.mark.parametrize(
    ("heel", "toe", "expected"),
    [
        ((0, 100), (20, 100), 0.0),  # flat
        ((0, 100), (20, 80), 45.0),  # toes up (y down, so smaller y is higher)
        ((20, 100), (0, 80), 45.0),  # same foot facing left
        ((0, 80), (20, 100), -45.0),  # toes down
    ],
)
def test_angle_from_horizontal_toes_up_positive_either_direction(heel, toe, expected):
    got = angle_from_horizontal(np.array(heel, float), np.array(toe, float))
    assert got == pytest.approx(expected, abs=1e-6)
