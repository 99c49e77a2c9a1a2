namespace NextStat.HistFactory;

/// <summary>
/// The flat, parameter-independent description of a model, built once. Every (channel, sample, bin) is one
/// <em>entry</em> on a single axis (channels in pyhf order, samples sorted, bins); entries of one (channel, sample)
/// form a contiguous <em>block</em>. Each modifier type becomes flat arrays swept once per evaluation:
/// <list type="bullet">
/// <item>histosys: one row of cells per parameter, each cell an entry it shifts, swept with per-parameter
/// coefficients;</item>
/// <item>normsys: one row of cells per parameter, each cell a block it scales;</item>
/// <item>normfactor and lumi: block factors equal to a parameter;</item>
/// <item>staterror, shapesys and shapefactor: entry factors equal to a parameter;</item>
/// <item>Gaussian and Poisson constraints: one slot per constrained parameter.</item>
/// </list>
/// A row is stored <em>dense</em> (every entry or block from its first to its last, untouched ones as identity cells)
/// when it is long and mostly filled, so that one generated-kernel call sweeps it; otherwise it is <em>sparse</em>
/// (only the cells it touches) and the evaluator walks it with the kernels' scalar element functions, because on
/// the short, scattered rows of real workspaces a kernel call's fixed cost outweighs its vector speed.
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

    /// <summary>One histosys row per parameter: the parameter, and the row's cells from HistoRowStart[r] to HistoRowStart[r + 1].</summary>
    public required int[] HistoRowParam { get; init; }

    public required int[] HistoRowStart { get; init; }

    /// <summary>Whether a row's cells are the consecutive entries from its first one (see the class remarks).</summary>
    public required bool[] HistoRowDense { get; init; }

    /// <summary>Whether a dense row's gradient goes through a sum kernel rather than a walk over its cells.</summary>
    public required bool[] HistoRowSumDense { get; init; }

    /// <summary>The entry of each cell.</summary>
    public required int[] HistoCellEntry { get; init; }

    /// <summary>Per cell: the two coefficient rows of <see cref="Modifiers.HistoSysKernels"/>.</summary>
    public required double[] HistoP { get; init; }

    public required double[] HistoQ { get; init; }

    public required NormSysInterpolation NormSysCode { get; init; }

    /// <summary>One normsys row per parameter: the parameter, and the row's cells from NormRowStart[r] to NormRowStart[r + 1].</summary>
    public required int[] NormRowParam { get; init; }

    public required int[] NormRowStart { get; init; }

    /// <summary>Whether a row's cells are the consecutive blocks from its first one (identity cells: ln hi = ln lo = 0, a = 0).</summary>
    public required bool[] NormRowDense { get; init; }

    /// <summary>The block of each cell.</summary>
    public required int[] NormCellBlock { get; init; }

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
