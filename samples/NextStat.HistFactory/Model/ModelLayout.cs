namespace NextStat.HistFactory;

/// <summary>
/// The flat, parameter-independent description of a model, built once. Every (channel, sample, bin) is one
/// <em>entry</em> on a single axis (channels in pyhf order, samples sorted, bins); entries of one (channel, sample)
/// form a contiguous <em>block</em>. Each modifier type becomes dense arrays swept in one pass per evaluation:
/// <list type="bullet">
/// <item>histosys: one dense row per parameter over the entries from the first to the last it shifts (cells it does
/// not touch are zero), swept with per-parameter coefficients;</item>
/// <item>normsys: one dense row per parameter over the blocks from the first to the last it scales (cells it does not
/// touch have ln hi = ln lo = 0 and zero coefficients, i.e. factor 1);</item>
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

    public required int[] BlockStart { get; init; }

    public required int[] BlockLength { get; init; }

    public required HistoSysInterpolation HistoSysCode { get; init; }

    /// <summary>One histosys row per parameter: the parameter, the first entry and the row's cells in <see cref="HistoP"/>.</summary>
    public required int[] HistoRowParam { get; init; }

    public required int[] HistoRowEntry { get; init; }

    public required int[] HistoRowOffset { get; init; }

    public required int[] HistoRowLength { get; init; }

    /// <summary>Row cells, concatenated: the two coefficient rows of <see cref="Modifiers.HistoSysKernels"/>.</summary>
    public required double[] HistoP { get; init; }

    public required double[] HistoQ { get; init; }

    public required NormSysInterpolation NormSysCode { get; init; }

    /// <summary>One normsys row per parameter: the parameter, the first block and the row's cells.</summary>
    public required int[] NormRowParam { get; init; }

    public required int[] NormRowBlock { get; init; }

    public required int[] NormRowOffset { get; init; }

    public required int[] NormRowLength { get; init; }

    public required double[] NormLnHi { get; init; }

    public required double[] NormLnLo { get; init; }

    /// <summary>The code4 coefficients a1…a6 per cell, one array per power (all zero for code1).</summary>
    public required double[][] NormCoefficients { get; init; }

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

    public int BlockCount => BlockStart.Length;
}
