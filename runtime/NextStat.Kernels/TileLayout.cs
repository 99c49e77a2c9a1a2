namespace NextStat.Kernels;

/// <summary>
/// Cells of a sparse (row × target) table packed for tile kernels (<see cref="TileFoldKernelAttribute"/>,
/// <see cref="TileUpdateKernelAttribute"/>), in which a vector register holds four <em>lanes</em>, each a target,
/// across all the <em>rows</em> that touch them. Targets are dealt out four to a <em>group</em>; a group's
/// <em>tiles</em> are its rows in ascending order, one tile per (row, group), holding each field of the row's cells
/// on the four lanes. A lane the row does not touch, and the padding lanes of the last group, hold a cell whose
/// fields are all zero, so a kernel's element method must leave its accumulator unchanged on such a cell (a sum of
/// c·x or a product of 1 + Σ a_i α^i does). One pass over a group's tiles then leaves a whole result per lane in a
/// register, with one load of the row's values per tile, instead of one sweep per row over a result in memory: what
/// makes the short rows of real likelihoods (a few dozen targets per parameter) cheap.
/// <para>
/// Targets are ordered by the set of rows touching them (lexicographically, rows ascending), which puts targets
/// touched by the same rows into the same group, and then exchanged between groups while that lowers the tile count,
/// which keeps it near the cell count over four.
/// </para>
/// </summary>
public sealed class TileLayout
{
    /// <summary>Lanes per tile: the doubles of a 256-bit vector. Narrower widths run a tile in pieces, wider ones as 256 bits.</summary>
    public const int Lanes = 4;

    private readonly int[] _rowKey;
    private readonly int[] _laneTarget;
    private readonly int[] _groupStart;
    private readonly int[] _tileRow;
    private readonly AlignedDoubles _data;
    private readonly AlignedDoubles _sideData;

    private TileLayout(int fields, int sideFields, int[] rowKey, int[] laneTarget, int[] groupStart, int[] tileRow, AlignedDoubles data, AlignedDoubles sideData)
    {
        Fields = fields;
        SideFields = sideFields;
        _rowKey = rowKey;
        _laneTarget = laneTarget;
        _groupStart = groupStart;
        _tileRow = tileRow;
        _data = data;
        _sideData = sideData;
    }

    /// <summary>Fields per cell in <see cref="Data"/>.</summary>
    public int Fields { get; }

    /// <summary>Fields per cell in <see cref="SideData"/>.</summary>
    public int SideFields { get; }

    /// <summary>The key (for example a parameter index) of each row, ascending.</summary>
    public ReadOnlySpan<int> RowKey => _rowKey;

    /// <summary>The target of each lane, group after group; −1 for a padding lane.</summary>
    public ReadOnlySpan<int> LaneTarget => _laneTarget;

    /// <summary>The tiles of group g are GroupStart[g] to GroupStart[g + 1]; one more entry than there are groups.</summary>
    public ReadOnlySpan<int> GroupStart => _groupStart;

    /// <summary>The row of each tile.</summary>
    public ReadOnlySpan<int> TileRow => _tileRow;

    /// <summary>Tile t's field f on lane k is Data[(t·<see cref="Fields"/> + f)·<see cref="Lanes"/> + k].</summary>
    public ReadOnlySpan<double> Data => _data.Span;

    /// <summary>
    /// Tile t's side field f on lane k is SideData[(t·<see cref="SideFields"/> + f)·<see cref="Lanes"/> + k]: values a
    /// kernel reads only in some rows' branches, kept apart so that they do not travel with <see cref="Data"/>
    /// through the caches.
    /// </summary>
    public ReadOnlySpan<double> SideData => _sideData.Span;

    /// <summary>The number of rows.</summary>
    public int RowCount => _rowKey.Length;

    /// <summary>Lanes of all groups: <see cref="Lanes"/> × <see cref="GroupCount"/>.</summary>
    public int LaneCount => _laneTarget.Length;

    /// <summary>The number of groups of four lanes.</summary>
    public int GroupCount => _groupStart.Length - 1;

    /// <summary>The number of tiles: one per (row, group) that the row touches.</summary>
    public int TileCount => _tileRow.Length;

    /// <summary>
    /// Packs cells given as (row key, target, the <paramref name="fields"/> values followed by the
    /// <paramref name="sideFields"/> ones), at most one per (row key, target).
    /// </summary>
    /// <exception cref="ArgumentException">A (row key, target) pair repeats, a target is negative, or a cell has the wrong number of values.</exception>
    public static TileLayout Build(IReadOnlyList<(int RowKey, int Target, double[] Values)> cells, int fields, int sideFields = 0)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentOutOfRangeException.ThrowIfNegative(fields);
        ArgumentOutOfRangeException.ThrowIfNegative(sideFields);
        int[] rowKey = [.. cells.Select(c => c.RowKey).Distinct().Order()];
        var rowOf = new Dictionary<int, int>();
        for (int r = 0; r < rowKey.Length; r++)
        {
            rowOf.Add(rowKey[r], r);
        }

        var rowsOfTarget = new SortedDictionary<int, SortedSet<int>>();
        foreach ((int key, int target, double[] values) in cells)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(cells));
            if (values.Length != fields + sideFields)
            {
                throw new ArgumentException($"cell ({key}, {target}) has {values.Length} values; expected {fields + sideFields}", nameof(cells));
            }

            if (!rowsOfTarget.TryGetValue(target, out SortedSet<int>? rows))
            {
                rows = [];
                rowsOfTarget.Add(target, rows);
            }

            if (!rows.Add(rowOf[key]))
            {
                throw new ArgumentException($"cell ({key}, {target}) is given twice", nameof(cells));
            }
        }

        int[] targets = [.. rowsOfTarget.Keys];
        Array.Sort(targets, (a, b) => CompareRowSets(rowsOfTarget[a], rowsOfTarget[b]) is int c && c != 0 ? c : a.CompareTo(b));
        ExchangeTargets(targets, rowsOfTarget, rowKey.Length);

        int groupCount = (targets.Length + Lanes - 1) / Lanes;
        var laneTarget = new int[groupCount * Lanes];
        Array.Fill(laneTarget, -1);
        var laneOf = new Dictionary<int, int>();
        for (int i = 0; i < targets.Length; i++)
        {
            laneTarget[i] = targets[i];
            laneOf.Add(targets[i], i);
        }

        // Per group, one tile per row that touches one of its lanes, rows ascending.
        var groupCells = new List<(int Row, int Lane, double[] Values)>[groupCount];
        for (int g = 0; g < groupCount; g++)
        {
            groupCells[g] = [];
        }

        foreach ((int key, int target, double[] values) in cells)
        {
            int lane = laneOf[target];
            groupCells[lane / Lanes].Add((rowOf[key], lane % Lanes, values));
        }

        var groupStart = new int[groupCount + 1];
        var tileRow = new List<int>();
        var data = new List<double>();
        var sideData = new List<double>();
        for (int g = 0; g < groupCount; g++)
        {
            groupStart[g] = tileRow.Count;
            foreach (IGrouping<int, (int Row, int Lane, double[] Values)> row in groupCells[g].GroupBy(c => c.Row).OrderBy(r => r.Key))
            {
                int tile = tileRow.Count;
                tileRow.Add(row.Key);
                data.AddRange(new double[fields * Lanes]);
                sideData.AddRange(new double[sideFields * Lanes]);
                foreach ((_, int lane, double[] values) in row)
                {
                    for (int f = 0; f < fields; f++)
                    {
                        data[(((tile * fields) + f) * Lanes) + lane] = values[f];
                    }

                    for (int f = 0; f < sideFields; f++)
                    {
                        sideData[(((tile * sideFields) + f) * Lanes) + lane] = values[fields + f];
                    }
                }
            }
        }

        groupStart[groupCount] = tileRow.Count;
        return new TileLayout(fields, sideFields, rowKey, laneTarget, groupStart, [.. tileRow], new AlignedDoubles(data), new AlignedDoubles(sideData));
    }

    /// <summary>
    /// Improves the groups of the sorted <paramref name="targets"/> (each run of <see cref="Lanes"/> is a group) by
    /// exchanging two targets of different groups whenever that lowers the two groups' tile count (the size of the
    /// union of their targets' rows), until no exchange does. The sort alone leaves neighbours that share few rows
    /// where the row sets change; this brings the count closer to cells over four. Deterministic: a fixed visiting
    /// order and strict improvements only.
    /// </summary>
    private static void ExchangeTargets(int[] targets, SortedDictionary<int, SortedSet<int>> rowsOfTarget, int rowCount)
    {
        int words = (rowCount + 63) / 64;
        var rows = new ulong[targets.Length * words];
        for (int i = 0; i < targets.Length; i++)
        {
            foreach (int r in rowsOfTarget[targets[i]])
            {
                rows[(i * words) + (r / 64)] |= 1UL << (r % 64);
            }
        }

        // Tile count of target i's group with target i itself replaced by target k.
        int TilesWith(int i, int k)
        {
            int start = i / Lanes * Lanes;
            int end = Math.Min(start + Lanes, targets.Length);
            int count = 0;
            for (int w = 0; w < words; w++)
            {
                ulong union = 0;
                for (int m = start; m < end; m++)
                {
                    union |= rows[((m == i ? k : m) * words) + w];
                }

                count += System.Numerics.BitOperations.PopCount(union);
            }

            return count;
        }

        for (bool improved = true; improved;)
        {
            improved = false;
            for (int i = 0; i < targets.Length; i++)
            {
                for (int j = ((i / Lanes) + 1) * Lanes; j < targets.Length; j++)
                {
                    int before = TilesWith(i, i) + TilesWith(j, j);
                    if (TilesWith(i, j) + TilesWith(j, i) < before)
                    {
                        (targets[i], targets[j]) = (targets[j], targets[i]);
                        for (int w = 0; w < words; w++)
                        {
                            (rows[(i * words) + w], rows[(j * words) + w]) = (rows[(j * words) + w], rows[(i * words) + w]);
                        }

                        improved = true;
                    }
                }
            }
        }
    }

    /// <summary>Lexicographic order of two ascending row sets; a set that has a row the other lacks sorts first.</summary>
    private static int CompareRowSets(SortedSet<int> a, SortedSet<int> b)
    {
        using SortedSet<int>.Enumerator x = a.GetEnumerator();
        using SortedSet<int>.Enumerator y = b.GetEnumerator();
        while (true)
        {
            bool hasX = x.MoveNext();
            bool hasY = y.MoveNext();
            if (!hasX || !hasY)
            {
                return hasX == hasY ? 0 : hasX ? -1 : 1;
            }

            if (x.Current != y.Current)
            {
                return x.Current < y.Current ? -1 : 1;
            }
        }
    }

    /// <summary>
    /// Doubles whose first element sits on a 64-byte boundary, so that no 256-bit load of a tile field straddles two
    /// cache lines (an array's elements start 16 bytes into the object, which splits every other such load). The
    /// array is allocated pinned, so the offset found once stays right.
    /// </summary>
    private sealed class AlignedDoubles
    {
        private const int Alignment = 64;
        private readonly double[] _array;
        private readonly int _offset;
        private readonly int _length;

        public unsafe AlignedDoubles(List<double> values)
        {
            _length = values.Count;
            _array = GC.AllocateArray<double>(_length + (Alignment / sizeof(double)), pinned: true);
            fixed (double* start = _array)
            {
                _offset = (int)((Alignment - ((nuint)start % Alignment)) % Alignment / sizeof(double));
            }

            values.CopyTo(_array, _offset);
        }

        public ReadOnlySpan<double> Span => _array.AsSpan(_offset, _length);
    }
}
