using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>
/// Tile kernels on random layouts: every forced width against a plain C# reference of the documented order (tiles of
/// a group dealt round four partial accumulators, combined as (p0 ∘ p1) ∘ (p2 ∘ p3); updates in tile order), with the
/// element methods run as plain C#: the same bits.
/// </summary>
[Properties(MaxTest = 60)]
public class TileProperties
{
    [Property]
    public void FoldWithRowBranchesIsBitwiseTheReference(int seed, PositiveInt size)
    {
        var random = new Random(seed);
        TileLayout tiles = RandomLayout(random, size.Get % 40, fields: 2, sideFields: 1);
        double[] alpha = Values(random, tiles.RowCount, 1.5);
        double[] power = [.. Enumerable.Range(0, tiles.RowCount).Select(_ => random.Next(3) == 0 ? 1.0 : 0.0)];
        double scale = random.NextDouble() + 0.5;
        double[] expectedProduct = new double[tiles.LaneCount], expectedExponent = new double[tiles.LaneCount];
        Fold(tiles, 2, (acc, t, row, lane) =>
        {
            (double p, double e) = Tiles.Factor(acc[0], acc[1], alpha[row], power[row], scale, Field(tiles, t, 0, lane, 2), Field(tiles, t, 1, lane, 2), tiles.SideData[(t * 4) + lane]);
            acc[0] = p;
            acc[1] = e;
        }, [true, false], [expectedProduct, expectedExponent]);

        foreach (KernelWidth width in Bits.Widths)
        {
            double[] product = new double[tiles.LaneCount], exponent = new double[tiles.LaneCount];
            Tiles.Products(tiles, product, exponent, alpha, power, scale, Bits.Context(width));
            AssertSame(expectedProduct, product, width);
            AssertSame(expectedExponent, exponent, width);
        }
    }

    [Property]
    public void FoldWithLaneSelectsIsBitwiseTheReference(int seed, PositiveInt size)
    {
        var random = new Random(seed);
        TileLayout tiles = RandomLayout(random, size.Get % 40, fields: 1, sideFields: 0);
        double[] c = Values(random, tiles.RowCount, 1.0);
        double[] expected = new double[tiles.LaneCount];
        Fold(tiles, 1, (acc, t, row, lane) => acc[0] = Tiles.Clipped(acc[0], c[row], Field(tiles, t, 0, lane, 1)), [false], [expected]);

        foreach (KernelWidth width in Bits.Widths)
        {
            double[] actual = new double[tiles.LaneCount];
            Tiles.ClippedSums(tiles, actual, c, Bits.Context(width));
            AssertSame(expected, actual, width);
        }
    }

    [Property]
    public void UpdateIsBitwiseTheReference(int seed, PositiveInt size)
    {
        var random = new Random(seed);
        TileLayout tiles = RandomLayout(random, size.Get % 40, fields: 2, sideFields: 0);
        double[] weight = Values(random, tiles.LaneCount, 3.0);
        double[] alpha = Values(random, tiles.RowCount, 1.0);
        double[] startA = Values(random, 4 * tiles.RowCount, 1.0), startB = Values(random, 4 * tiles.RowCount, 1.0);
        double[] expectedA = (double[])startA.Clone(), expectedB = (double[])startB.Clone();
        for (int g = 0; g < tiles.GroupCount; g++)
        {
            for (int t = tiles.GroupStart[g]; t < tiles.GroupStart[g + 1]; t++)
            {
                int row = tiles.TileRow[t];
                for (int lane = 0; lane < 4; lane++)
                {
                    int cell = (row * 4) + lane;
                    (expectedA[cell], expectedB[cell]) = Tiles.Project(expectedA[cell], expectedB[cell], weight[(g * 4) + lane], alpha[row], Field(tiles, t, 0, lane, 2), Field(tiles, t, 1, lane, 2));
                }
            }
        }

        foreach (KernelWidth width in Bits.Widths)
        {
            double[] onA = (double[])startA.Clone(), onB = (double[])startB.Clone();
            Tiles.Projections(tiles, onA, onB, weight, alpha, Bits.Context(width));
            AssertSame(expectedA, onA, width);
            AssertSame(expectedB, onB, width);
        }
    }

    [Fact]
    public void LayoutExchangesTargetsBetweenGroupsWhileThatSavesTiles()
    {
        // Rows per target: 0 {0}, 1 {4}, 2 {2}, 3 {2}, 4 {3, 4}, 5 {2, 3, 4}, 6 {1, 3, 4}, 7 {0}. In row-set order the
        // groups are ({0}, {0}, {1, 3, 4}, {2, 3, 4}) and ({2}, {2}, {3, 4}, {4}): 4 + 4 tiles. Exchanges one pair at a
        // time reach 7, where no single exchange helps (the best grouping, ({0}, {0}, {2}, {2}) and the rest, has 6).
        int[][] rowsOf = [[0], [4], [2], [2], [3, 4], [2, 3, 4], [1, 3, 4], [0]];
        TileLayout tiles = TileLayout.Build([.. rowsOf.SelectMany((rows, target) => rows.Select(row => (row, target, new[] { 1.0 })))], fields: 1);
        Assert.Equal(7, tiles.TileCount);
    }

    [Fact]
    public void LayoutGroupsTargetsByTheirRowsAndPadsWithZeroCells()
    {
        // Targets 10 and 30 share rows {7, 9}, 20 has row 9 only: 10 and 30 sort first ({7, 9} < {9}).
        TileLayout tiles = TileLayout.Build(
        [
            (9, 20, [2.0]), (7, 10, [3.0]), (9, 10, [4.0]), (7, 30, [5.0]), (9, 30, [6.0]),
        ], fields: 1);
        Assert.Equal([7, 9], tiles.RowKey.ToArray());
        Assert.Equal([10, 30, 20, -1], tiles.LaneTarget.ToArray());
        Assert.Equal([0, 2], tiles.GroupStart.ToArray());
        Assert.Equal([0, 1], tiles.TileRow.ToArray());
        Assert.Equal([3.0, 5.0, 0.0, 0.0, 4.0, 6.0, 2.0, 0.0], tiles.Data.ToArray());

        double[] sums = new double[4];
        Tiles.ClippedSums(tiles, sums, [1.0, 1.0]);
        Assert.Equal([1.0 + 1.0, 1.0 + 1.0, 0.0 + 1.0, 0.0], sums);
        Tiles.ClippedSums(tiles, sums, [-1.0, 2.0]);
        Assert.Equal([-3.0 + 2.0, -5.0 + 2.0, 0.0 + 4.0, 0.0], sums);
    }

    [Fact]
    public unsafe void LayoutDataStartsOnACacheLine()
    {
        // Several layouts, so that at least some of the arrays behind them start off a 64-byte boundary.
        for (int size = 1; size < 12; size++)
        {
            TileLayout tiles = TileLayout.Build([.. Enumerable.Range(0, size).Select(t => (t % 3, t, new[] { 1.0, 2.0, 3.0 }))], fields: 2, sideFields: 1);
            fixed (double* data = tiles.Data)
            fixed (double* side = tiles.SideData)
            {
                Assert.Equal(0u, (nuint)data % 64);
                Assert.Equal(0u, (nuint)side % 64);
            }

            Assert.Equal(1.0, tiles.Data[0]);
            Assert.Equal(3.0, tiles.SideData[0]);
        }
    }

    [Fact]
    public void BadLayoutsAndSpansAreRejectedWithTheirNames()
    {
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => TileLayout.Build([(1, 2, [1.0]), (1, 2, [2.0])], fields: 1)).Message, StringComparison.Ordinal);
        Assert.Contains("has 2 values; expected 1", Assert.Throws<ArgumentException>(() => TileLayout.Build([(1, 2, [1.0, 2.0])], fields: 1)).Message, StringComparison.Ordinal);

        TileLayout tiles = TileLayout.Build([(0, 0, [1.0])], fields: 1);
        ArgumentException fields = Assert.Throws<ArgumentException>(() => Tiles.Products(tiles, new double[4], new double[4], [0.0], [0.0], 1.0));
        Assert.Contains("Kernel 'Tiles.Products' reads 2 field(s) and 1 side field(s) per cell, but the layout has 1 and 0", fields.Message, StringComparison.Ordinal);
        ArgumentException length = Assert.Throws<ArgumentException>(() => Tiles.ClippedSums(tiles, new double[3], [1.0]));
        Assert.Equal("sum", length.ParamName);
        Assert.Contains("span 'sum' has length 3, but the layout needs 4 (one per lane)", length.Message, StringComparison.Ordinal);
    }

    /// <summary>The documented fold order, lane by lane, with the element method as plain C#.</summary>
    private static void Fold(TileLayout tiles, int states, Action<double[], int, int, int> element, bool[] product, double[][] results)
    {
        for (int g = 0; g < tiles.GroupCount; g++)
        {
            for (int lane = 0; lane < 4; lane++)
            {
                var partial = new double[4][];
                for (int j = 0; j < 4; j++)
                {
                    partial[j] = [.. Enumerable.Range(0, states).Select(k => product[k] ? 1.0 : 0.0)];
                }

                int begin = tiles.GroupStart[g], end = tiles.GroupStart[g + 1];
                int whole = begin + ((end - begin) / 4 * 4);
                for (int t = begin; t < end; t++)
                {
                    element(partial[t < whole ? (t - begin) % 4 : 0], t, tiles.TileRow[t], lane);
                }

                for (int k = 0; k < states; k++)
                {
                    results[k][(g * 4) + lane] = product[k]
                        ? (partial[0][k] * partial[1][k]) * (partial[2][k] * partial[3][k])
                        : (partial[0][k] + partial[1][k]) + (partial[2][k] + partial[3][k]);
                }
            }
        }
    }

    private static double Field(TileLayout tiles, int tile, int field, int lane, int fields) => tiles.Data[(((tile * fields) + field) * 4) + lane];

    /// <summary>Up to 12 rows and 40 targets, each target touched by a random subset of rows (most of them).</summary>
    private static TileLayout RandomLayout(Random random, int targets, int fields, int sideFields)
    {
        int rows = random.Next(1, 13);
        var cells = new List<(int, int, double[])>();
        for (int target = 0; target < targets; target++)
        {
            for (int row = 0; row < rows; row++)
            {
                if (random.Next(4) != 0)
                {
                    cells.Add((row * 3, target * 2, [.. Values(random, fields + sideFields, 2.0)]));
                }
            }
        }

        return TileLayout.Build(cells, fields, sideFields);
    }

    private static double[] Values(Random random, int count, double range) =>
        [.. Enumerable.Range(0, count).Select(_ => ((random.NextDouble() * 2.0) - 1.0) * range)];

    private static void AssertSame(double[] expected, double[] actual, KernelWidth width)
    {
        int first = Bits.FirstDifference(actual, expected);
        Assert.True(first < 0, $"{width}: index {first}: expected {(first < 0 ? 0 : expected[first]):R}, got {(first < 0 ? 0 : actual[first]):R}");
    }
}
