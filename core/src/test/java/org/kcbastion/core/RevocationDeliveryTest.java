package org.kcbastion.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class RevocationDeliveryTest {

    @Test
    void partitionKeepsEveryItemOnceInAtMostNBatches() {
        List<Integer> items = IntStream.range(0, 10).boxed().toList();
        List<List<Integer>> batches = RevocationDelivery.partition(items, 4);
        assertThat(batches).hasSizeLessThanOrEqualTo(4);
        assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(items);
        assertThat(RevocationDelivery.partition(List.of(), 4)).isEmpty();
        assertThat(RevocationDelivery.partition(List.of(1), 4)).containsExactly(List.of(1));
    }
}
