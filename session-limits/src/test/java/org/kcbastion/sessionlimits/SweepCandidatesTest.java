package org.kcbastion.sessionlimits;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Sweep candidates: the newest start a session of each kind may have")
class SweepCandidatesTest {

    static final long NOW = 1_800_000_000L;

    @Test
    @DisplayName("online sessions use the realm or the remember-me floor, whichever their kind")
    void floorsPerKind() {
        SweepCandidates.Floors floors = new SweepCandidates.Floors(43_200, 2_592_000, 3_888_000);
        assertThat(floors.online(false)).isEqualTo(43_200);
        assertThat(floors.online(true)).isEqualTo(2_592_000);
        assertThat(floors.offline()).isEqualTo(3_888_000);
    }

    @Test
    @DisplayName("the bound is now minus the floor; a floor older than the epoch (no role cap: Long.MAX_VALUE) matches nothing")
    void bound() {
        assertThat(SweepCandidates.bound(NOW, 43_200)).isEqualTo((int) (NOW - 43_200));
        assertThat(SweepCandidates.bound(NOW, 0)).isEqualTo((int) NOW);
        assertThat(SweepCandidates.bound(NOW, Long.MAX_VALUE)).isEqualTo(-1);
        assertThat(SweepCandidates.bound(NOW, NOW + 1)).isEqualTo(-1);
    }

    @Test
    @DisplayName("a session started exactly at the bound is a candidate (created_on <= bound), one second later it is not")
    void boundIsInclusive() {
        int bound = SweepCandidates.bound(NOW, 3600);
        long startedAtCap = NOW - 3600;
        assertThat(startedAtCap <= bound).isTrue();
        assertThat(startedAtCap + 1 <= bound).isFalse();
    }
}
