namespace NextStat.HistFactory;

/// <summary>
/// The cells of one modifier type (histosys or normsys) packed for sweeps in which a vector register holds four
/// <em>lanes</em>, each a target the modifier acts on (an entry for histosys, a block for normsys), across all the
/// parameters (<em>rows</em>) that touch them. Targets are dealt out four to a <em>group</em>; a group's
/// <em>tiles</em> are its rows in ascending order, one tile per (row, group), holding each field of the row's cells
/// on the four lanes. A lane the row does not touch, and the padding lanes of the last group, hold the identity cell
/// (every field zero). So one pass over a group's tiles leaves a whole result per lane in a register (a block's
/// product of normsys factors, an entry's sum of histosys shifts), with one broadcast of the row's coefficients per
/// tile, instead of one sweep per row over a product or sum in memory.
/// <para>
/// Real workspaces touch a target with most but not all rows, so the tile count depends on which targets share a
/// group: targets are ordered by the set of rows touching them (lexicographically, rows in ascending order), which
/// puts targets touched by the same rows into the same group (on 1Lbb: 1 161 normsys tiles for 4 174 cells, where a
/// perfect packing would need 1 044, and 1 260 histosys tiles for 4 301 cells).
/// </para>
/// </summary>
internal sealed class ModifierTiles
{
    /// <summary>Lanes per tile: the doubles of a 256-bit vector. Narrower widths run a tile in pieces, wider ones as 256 bits.</summary>
    public const int Lanes = 4;

    private ModifierTiles(int[] rowParam, int[] laneTarget, int[] groupStart, int[] tileRow, double[] data, double[] sideData)
    {
        RowParam = rowParam;
        LaneTarget = laneTarget;
        GroupStart = groupStart;
        TileRow = tileRow;
        Data = data;
        SideData = sideData;
    }

    /// <summary>The parameter of each row, ascending.</summary>
    public int[] RowParam { get; }

    /// <summary>The target (entry or block) of each lane, group after group; −1 for a padding lane.</summary>
    public int[] LaneTarget { get; }

    /// <summary>The tiles of group g are GroupStart[g] to GroupStart[g + 1].</summary>
    public int[] GroupStart { get; }

    /// <summary>The row of each tile.</summary>
    public int[] TileRow { get; }

    /// <summary>Tile t's field f on lane k is Data[(t·fields + f)·Lanes + k], fields as given to <see cref="Build"/>.</summary>
    public double[] Data { get; }

    /// <summary>
    /// Tile t's side field f on lane k is SideData[(t·sideFields + f)·Lanes + k]: values a sweep reads only sometimes
    /// (normsys's ln hi and ln lo, used only beyond |α| = 1), kept apart so that they do not travel with
    /// <see cref="Data"/> through the caches.
    /// </summary>
    public double[] SideData { get; }

    public int RowCount => RowParam.Length;

    public int LaneCount => LaneTarget.Length;

    /// <summary>
    /// Packs cells given as (parameter, target, the <paramref name="fields"/> values followed by the
    /// <paramref name="sideFields"/> ones), at most one per (parameter, target): the workspace reader rejects a
    /// modifier listed twice on a sample.
    /// </summary>
    public static ModifierTiles Build(IReadOnlyList<(int Param, int Target, double[] Values)> cells, int fields, int sideFields = 0)
    {
        int[] rowParam = [.. cells.Select(c => c.Param).Distinct().Order()];
        var rowOf = new Dictionary<int, int>();
        for (int r = 0; r < rowParam.Length; r++)
        {
            rowOf.Add(rowParam[r], r);
        }

        var rowsOfTarget = new SortedDictionary<int, SortedSet<int>>();
        foreach ((int param, int target, _) in cells)
        {
            if (!rowsOfTarget.TryGetValue(target, out SortedSet<int>? rows))
            {
                rows = [];
                rowsOfTarget.Add(target, rows);
            }

            rows.Add(rowOf[param]);
        }

        int[] targets = [.. rowsOfTarget.Keys];
        Array.Sort(targets, (a, b) => CompareRowSets(rowsOfTarget[a], rowsOfTarget[b]) is int c && c != 0 ? c : a.CompareTo(b));

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

        foreach ((int param, int target, double[] values) in cells)
        {
            int lane = laneOf[target];
            groupCells[lane / Lanes].Add((rowOf[param], lane % Lanes, values));
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
        return new ModifierTiles(rowParam, laneTarget, groupStart, [.. tileRow], [.. data], [.. sideData]);
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
}
