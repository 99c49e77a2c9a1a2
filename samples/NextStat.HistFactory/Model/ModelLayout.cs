using NextStat.Kernels;

namespace NextStat.HistFactory;

/// <summary>
/// The flat, parameter-independent description of a model, built once. Every (channel, sample, bin) is one
/// <em>entry</em> on a single axis (channels in pyhf order, samples sorted, bins); entries of one (channel, sample)
/// form a contiguous <em>block</em>. Each modifier type becomes flat arrays swept once per evaluation:
/// <list type="bullet">
/// <item>histosys: cells (parameter, entry it shifts), packed in <see cref="TileLayout"/> over entries;</item>
/// <item>normsys: cells (parameter, block it scales), packed in <see cref="TileLayout"/> over blocks;</item>
/// <item>normfactor and lumi: block factors equal to a parameter;</item>
/// <item>staterror, shapesys and shapefactor: entry factors equal to a parameter;</item>
/// <item>Gaussian and Poisson constraints: one slot per constrained parameter.</item>
/// </list>
/// </summary>
internal sealed class ModelLayout
{
    public required int ParameterCount { get; init; }

    public required int BinCount { get; init; }

    public required double[] Nominal { get; init; }

    public required int[] BinOfEntry { get; init; }

    /// <summary>
    /// The entries of each bin, in entry order (which is pyhf's sorted-sample order within a bin): bin b's are
    /// BinEntries[BinEntryStart[b]] to BinEntries[BinEntryStart[b + 1] − 1]. Summing a bin's yields over this list
    /// keeps the running sum in a register; adding entry by entry into the bins' memory makes one-bin channels, whose
    /// consecutive entries share a bin, wait on each store.
    /// </summary>
    public required int[] BinEntries { get; init; }

    /// <inheritdoc cref="BinEntries"/>
    public required int[] BinEntryStart { get; init; }

    public required int[] BlockOfEntry { get; init; }

    public required int[] BlockStart { get; init; }

    public required int[] BlockLength { get; init; }

    public required HistoSysInterpolation HistoSysCode { get; init; }

    /// <summary>histosys cells (parameter, entry) with the two values of <see cref="Modifiers.HistoSysMath"/>, P and Q.</summary>
    public required TileLayout HistoSys { get; init; }

    /// <summary>
    /// The same cells transposed for the gradient: rows are entries, lanes parameters, so that one fold gives each
    /// parameter's projections of the entry weights on its P and Q.
    /// </summary>
    public required TileLayout HistoSysByParameter { get; init; }

    /// <summary>For each lane of <see cref="HistoSysByParameter"/>, its parameter's row in <see cref="HistoSys"/>; −1 for a padding lane.</summary>
    public required int[] HistoSysLaneRow { get; init; }

    public required NormSysInterpolation NormSysCode { get; init; }

    /// <summary>normsys cells (parameter, block): code4's a1…a6 and, as side data, ln hi and ln lo (<see cref="Modifiers.NormSysMath.CellFields"/>).</summary>
    public required TileLayout NormSys { get; init; }

    public required int[] BlockFactorParam { get; init; }

    public required int[] BlockFactorBlock { get; init; }

    public required int[] EntryFactorParam { get; init; }

    public required int[] EntryFactorEntry { get; init; }

    public required int[] GaussParam { get; init; }

    public required int[] GaussAuxIndex { get; init; }

    public required double[] GaussInverseSigma { get; init; }

    /// <summary>Σ (2 ln σ + ln 2π): the Gaussian normalisation, independent of parameters and data.</summary>
    public required double GaussConstant { get; init; }

    public required int[] PoissonParam { get; init; }

    public required int[] PoissonAuxIndex { get; init; }

    public required double[] PoissonTau { get; init; }

    public required int AuxCount { get; init; }

    public int EntryCount => Nominal.Length;

    /// <summary><see cref="BinEntryStart"/> and <see cref="BinEntries"/> for entries whose bins are <paramref name="binOfEntry"/>.</summary>
    public static (int[] Start, int[] Entries) EntriesByBin(int[] binOfEntry, int binCount)
    {
        var start = new int[binCount + 1];
        foreach (int bin in binOfEntry)
        {
            start[bin + 1]++;
        }

        for (int b = 0; b < binCount; b++)
        {
            start[b + 1] += start[b];
        }

        var entries = new int[binOfEntry.Length];
        var next = start[..binCount];
        for (int e = 0; e < binOfEntry.Length; e++)
        {
            entries[next[binOfEntry[e]]++] = e;
        }

        return (start, entries);
    }

    public int BlockCount => BlockStart.Length;
}
