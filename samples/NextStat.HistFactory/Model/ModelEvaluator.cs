using System.Runtime.CompilerServices;
using NextStat.Kernels;
using NextStat.HistFactory.Modifiers;

namespace NextStat.HistFactory;

/// <summary>
/// Per-thread scratch and the evaluation sweeps over a <see cref="ModelLayout"/>. Nothing here allocates after
/// construction. Factors are accumulated as (product of non-zero factors, count of exact zeros) per entry so that the
/// gradient of a factor that is exactly zero (a normalisation at its bound 0) is still exact; the counts stay 0
/// unless a factor is zero.
/// </summary>
internal sealed class ModelEvaluator
{
    // Below these lengths the likelihood sums run as scalar loops over the kernels' element functions: a generated
    // sum kernel's set-up (its deterministic 16-lane reduction) costs about as much as that many elements (with a log
    // per element, or without). The loops are deterministic and do not depend on the kernel width; compensated
    // summation, when the context asks for it, always goes through the kernels.
    private const int ShortLogSum = 16;
    private const int ShortSum = 128;


    private readonly ModelLayout _layout;
    private readonly KernelContext _context;
    private readonly double[] _shifted;
    private readonly double[] _product;
    private readonly double[] _zeros;
    private readonly double[] _yields;
    private readonly double[] _lambda;
    private readonly double[] _binWeight;
    private readonly double[] _entryWeight;
    private readonly double[] _logWeight;
    private readonly double[] _zeroWeight;
    private readonly double[] _shiftWeight;
    private readonly double[] _blockLogWeight;
    private readonly double[] _blockZeroWeight;
    private readonly double[] _blockProduct;
    private readonly double[] _blockZeros;
    private readonly double[] _histoCp;
    private readonly double[] _histoCq;
    private readonly double[] _histoDerivatives;
    private readonly double[] _histoShiftP;
    private readonly double[] _histoShiftQ;
    private readonly double[] _histoWeight;
    private readonly double[] _histoOnP;
    private readonly double[] _histoOnQ;
    private readonly double[] _normPiece;
    private readonly double[] _normValues;
    private readonly double[] _normProduct;
    private readonly double[] _normExponent;
    private readonly double[] _normWeight;
    private readonly double[] _normRowSums;
    private readonly double[] _gaussTheta;
    private readonly double[] _gaussDerivative;
    private readonly double[] _poissonGamma;
    private readonly double[] _poissonDerivative;
    private bool _anyZero;
    private bool _zerosUsed;

    public ModelEvaluator(ModelLayout layout, KernelContext context)
    {
        _layout = layout;
        _context = context;
        int entries = layout.EntryCount;
        _shifted = new double[entries];
        _product = new double[entries];
        _zeros = new double[entries];
        _yields = new double[entries];
        _entryWeight = new double[entries];
        _logWeight = new double[entries];
        _zeroWeight = new double[entries];
        _shiftWeight = new double[entries];
        _lambda = new double[layout.BinCount];
        _binWeight = new double[layout.BinCount];
        _blockLogWeight = new double[layout.BlockCount];
        _blockZeroWeight = new double[layout.BlockCount];
        _blockProduct = new double[layout.BlockCount];
        _blockZeros = new double[layout.BlockCount];
        TileLayout histo = layout.HistoSys;
        _histoCp = new double[histo.RowCount];
        _histoCq = new double[histo.RowCount];
        _histoDerivatives = new double[2 * histo.RowCount];
        _histoShiftP = new double[histo.LaneCount];
        _histoShiftQ = new double[histo.LaneCount];
        TileLayout histoByParameter = layout.HistoSysByParameter;
        _histoWeight = new double[histoByParameter.RowCount];
        _histoOnP = new double[histoByParameter.LaneCount];
        _histoOnQ = new double[histoByParameter.LaneCount];
        TileLayout norm = layout.NormSys;
        _normPiece = new double[norm.RowCount];
        _normValues = new double[norm.RowCount];
        _normProduct = new double[norm.LaneCount];
        _normExponent = new double[norm.LaneCount];
        _normWeight = new double[norm.LaneCount];
        _normRowSums = new double[TileLayout.Lanes * norm.RowCount];
        _gaussTheta = new double[layout.GaussParam.Length];
        _gaussDerivative = new double[layout.GaussParam.Length];
        _poissonGamma = new double[layout.PoissonParam.Length];
        _poissonDerivative = new double[layout.PoissonParam.Length];
    }

    public ModelLayout Layout => _layout;

    /// <summary>The expected main data per bin from the last <see cref="ComputeExpected"/>.</summary>
    public ReadOnlySpan<double> Lambda => _lambda;

    /// <summary>Expected main data per bin (pyhf's <c>expected_actualdata</c>) into <see cref="Lambda"/>.</summary>
    public void ComputeExpected(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        if (pars.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected {layout.ParameterCount} parameters, got {pars.Length}", nameof(pars));
        }

        ApplyHistoSys(pars);
        MultiplyNormSys(pars);

        // Factors equal to a parameter: normfactor and lumi on blocks, staterror, shapesys and shapefactor on
        // entries. An exact zero is counted instead of multiplied in, so that its gradient stays exact; the products
        // are first made without that bookkeeping, and redone with it only when some factor is zero.
        _anyZero = !MultiplyFactors(pars);
        if (_anyZero)
        {
            CountZeroFactors(pars);
        }

        LikelihoodKernels.Yields(_yields, _shifted, _product, _zeros, _context);

        // Samples of a bin are summed in sorted-sample order, as pyhf does.
        double[] lambda = _lambda;
        double[] yields = _yields;
        int[] start = layout.BinEntryStart;
        int[] entries = layout.BinEntries;
        for (int b = 0; b < lambda.Length; b++)
        {
            double sum = 0.0;
            for (int k = start[b]; k < start[b + 1]; k++)
            {
                sum += yields[entries[k]];
            }

            lambda[b] = sum;
        }
    }

    /// <summary>
    /// Block and entry products of the normsys products and the parameter factors, all counts of zeros 0; false
    /// (products unusable) as soon as a factor is exactly zero.
    /// </summary>
    private bool MultiplyFactors(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        double[] blockProduct = _blockProduct;
        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        bool anyZero = false;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            double factor = pars[factorParam[j]];
            anyZero |= factor == 0.0;
            blockProduct[factorBlock[j]] *= factor;
        }

        // Blocks have one to a few entries in real workspaces: a gather beats a fill call per block.
        double[] product = _product;
        int[] blockOf = layout.BlockOfEntry;
        for (int e = 0; e < blockOf.Length; e++)
        {
            product[e] = blockProduct[blockOf[e]];
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double factor = pars[entryParam[k]];
            anyZero |= factor == 0.0;
            product[entryIndex[k]] *= factor;
        }

        if (anyZero)
        {
            return false;
        }

        if (_zerosUsed)
        {
            Array.Clear(_blockZeros);
            Array.Clear(_zeros);
            _zerosUsed = false;
        }

        return true;
    }

    /// <summary>The products of <see cref="MultiplyFactors"/> again, with exact zeros counted instead of multiplied.</summary>
    private void CountZeroFactors(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        ScatterNormSys();
        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        Array.Clear(_blockZeros);
        for (int j = 0; j < factorBlock.Length; j++)
        {
            int b = factorBlock[j];
            ApplyFactor(pars[factorParam[j]], ref _blockProduct[b], ref _blockZeros[b]);
        }

        int[] blockOf = layout.BlockOfEntry;
        for (int e = 0; e < blockOf.Length; e++)
        {
            _product[e] = _blockProduct[blockOf[e]];
            _zeros[e] = _blockZeros[blockOf[e]];
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            int e = entryIndex[k];
            ApplyFactor(pars[entryParam[k]], ref _product[e], ref _zeros[e]);
        }

        _zerosUsed = true;
    }

    /// <summary>twice_nll for the data of <paramref name="objective"/>; fills <paramref name="gradient"/> when it is not empty.</summary>
    public double Evaluate(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ComputeExpected(pars);
        ModelLayout layout = _layout;
        bool shortSums = !_context.Compensated;
        double[] observed = objective.MainData;
        double poisson = 0.0;
        if (shortSums && _lambda.Length < ShortLogSum)
        {
            for (int b = 0; b < _lambda.Length; b++)
            {
                poisson += LikelihoodKernels.PoissonTerm(_lambda[b], observed[b]);
            }
        }
        else
        {
            poisson = LikelihoodKernels.SumPoisson(_lambda, observed, _context);
        }

        double twiceNll = (2.0 * poisson) + objective.MainConstant;

        Gather(pars, layout.GaussParam, _gaussTheta);
        double[] gaussAux = objective.GaussAux;
        double[] inverseSigma = layout.GaussInverseSigma;
        double gauss;
        if (shortSums && _gaussTheta.Length < ShortSum)
        {
            double even = 0.0, odd = 0.0;
            int j = 0;
            for (; j + 1 < _gaussTheta.Length; j += 2)
            {
                even += LikelihoodKernels.GaussianTerm(_gaussTheta[j], gaussAux[j], inverseSigma[j]);
                odd += LikelihoodKernels.GaussianTerm(_gaussTheta[j + 1], gaussAux[j + 1], inverseSigma[j + 1]);
            }

            if (j < _gaussTheta.Length)
            {
                even += LikelihoodKernels.GaussianTerm(_gaussTheta[j], gaussAux[j], inverseSigma[j]);
            }

            gauss = even + odd;
        }
        else
        {
            gauss = LikelihoodKernels.SumGaussian(_gaussTheta, gaussAux, inverseSigma, _context);
        }

        twiceNll += gauss + layout.GaussConstant;

        Gather(pars, layout.PoissonParam, _poissonGamma);
        if (_poissonGamma.Length > 0)
        {
            twiceNll += (2.0 * LikelihoodKernels.SumPoissonConstraint(_poissonGamma, layout.PoissonTau, objective.PoissonAux, _context)) + objective.PoissonConstant;
        }

        if (gradient.IsEmpty)
        {
            return twiceNll;
        }

        if (gradient.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected a gradient of length {layout.ParameterCount}, got {gradient.Length}", nameof(gradient));
        }

        Gradient(objective, pars, gradient);
        return twiceNll;
    }

    private void Gradient(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ModelLayout layout = _layout;
        gradient.Clear();

        LikelihoodKernels.PoissonWeights(_binWeight, _lambda, objective.MainData, _context);
        Gather(_binWeight, layout.BinOfEntry, _entryWeight);
        LikelihoodKernels.LogFactorWeights(_logWeight, _entryWeight, _yields, _context);

        // The zero-factor weights matter only for a factor that is exactly zero.
        bool anyZero = _anyZero;
        if (anyZero)
        {
            LikelihoodKernels.ZeroFactorWeights(_zeroWeight, _entryWeight, _shifted, _product, _zeros, _context);
        }

        // Block sums of the weights: normfactor, lumi and normsys act on whole (channel, sample) blocks.
        SumOverBlocks(_logWeight, _blockLogWeight);
        if (anyZero)
        {
            SumOverBlocks(_zeroWeight, _blockZeroWeight);
        }

        if (layout.HistoSys.RowCount > 0)
        {
            LikelihoodKernels.ShiftWeights(_shiftWeight, _entryWeight, _product, _zeros, _context);
        }

        HistoSysGradient(pars, gradient);
        NormSysGradient(gradient);

        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            double f = pars[factorParam[j]];
            int b = factorBlock[j];
            gradient[factorParam[j]] += f != 0.0 ? _blockLogWeight[b] / f : _blockZeroWeight[b];
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            gradient[entryParam[k]] += f != 0.0 ? _logWeight[e] / f : _zeroWeight[e];
        }

        LikelihoodKernels.GaussianDerivatives(_gaussDerivative, _gaussTheta, objective.GaussAux, layout.GaussInverseSigma, _context);
        Scatter(_gaussDerivative, layout.GaussParam, gradient);
        LikelihoodKernels.PoissonConstraintDerivatives(_poissonDerivative, _poissonGamma, layout.PoissonTau, objective.PoissonAux, _context);
        Scatter(_poissonDerivative, layout.PoissonParam, gradient);
    }

    /// <summary>Sums of a per-entry quantity over each (channel, sample) block, in entry order.</summary>
    private void SumOverBlocks(double[] perEntry, double[] perBlock)
    {
        int[] blockStart = _layout.BlockStart;
        int[] blockLength = _layout.BlockLength;
        for (int b = 0; b < blockStart.Length; b++)
        {
            double sum = 0.0;
            int end = blockStart[b] + blockLength[b];
            for (int e = blockStart[b]; e < end; e++)
            {
                sum += perEntry[e];
            }

            perBlock[b] = sum;
        }
    }

    /// <summary>
    /// Multiplies a normfactor/lumi/shapefactor value into a product, except an exact zero, which is counted instead so
    /// that the gradient at a factor of 0 stays exact.
    /// </summary>
    private static void ApplyFactor(double factor, ref double product, ref double zeros)
    {
        if (factor == 0.0)
        {
            zeros += 1.0;
            return;
        }

        product *= factor;
    }

    /// <summary>Additive stage: nominal + each entry's sum of histosys shifts.</summary>
    private void ApplyHistoSys(ReadOnlySpan<double> pars)
    {
        TileLayout tiles = _layout.HistoSys;
        _layout.Nominal.CopyTo(_shifted, 0);
        if (tiles.RowCount == 0)
        {
            return;
        }

        HistoSysMath.RowCoefficients(_layout.HistoSysCode, pars, tiles.RowKey, _histoCp, _histoCq);
        ModifierKernels.HistoSysShifts(tiles, _histoShiftP, _histoShiftQ, _histoCp, _histoCq, _context);
        ReadOnlySpan<int> laneTarget = tiles.LaneTarget;
        for (int i = 0; i < laneTarget.Length; i++)
        {
            int e = laneTarget[i];
            if (e >= 0)
            {
                _shifted[e] += _histoShiftP[i] + _histoShiftQ[i];
            }
        }
    }

    /// <summary>Each block's product of normsys factors into the block products (1 for a block without normsys).</summary>
    private void MultiplyNormSys(ReadOnlySpan<double> pars)
    {
        TileLayout tiles = _layout.NormSys;
        if (tiles.RowCount == 0)
        {
            Array.Fill(_blockProduct, 1.0);
            return;
        }

        ReadOnlySpan<int> rowParam = tiles.RowKey;
        bool anyPower = false;
        for (int r = 0; r < rowParam.Length; r++)
        {
            double alpha = pars[rowParam[r]];
            double piece = NormSysMath.PieceOf(_layout.NormSysCode, alpha);
            _normPiece[r] = piece;
            _normValues[r] = piece == ModifierKernels.LowPower ? -alpha : alpha;
            anyPower |= piece != ModifierKernels.Polynomial;
        }

        ModifierKernels.NormSysProducts(tiles, _normProduct, _normExponent, _normValues, _normPiece, _context);
        if (anyPower)
        {
            ModifierKernels.PowerProducts(_normProduct, _normProduct, _normExponent, _context);
        }

        ScatterNormSys();
    }

    /// <summary>The block products: each block's normsys product from its lane, 1 for a block without normsys.</summary>
    private void ScatterNormSys()
    {
        Array.Fill(_blockProduct, 1.0);
        ReadOnlySpan<int> laneTarget = _layout.NormSys.LaneTarget;
        for (int i = 0; i < laneTarget.Length; i++)
        {
            int b = laneTarget[i];
            if (b >= 0)
            {
                _blockProduct[b] = _normProduct[i];
            }
        }
    }

    /// <summary>d/dα of each histosys row: (d_p, d_q) times the projections of the shift weights on the row's P and Q.</summary>
    private void HistoSysGradient(ReadOnlySpan<double> pars, Span<double> gradient)
    {
        TileLayout tiles = _layout.HistoSys;
        if (tiles.RowCount == 0)
        {
            return;
        }

        HistoSysMath.RowDerivatives(_layout.HistoSysCode, pars, tiles.RowKey, _histoDerivatives);
        TileLayout byParameter = _layout.HistoSysByParameter;
        ReadOnlySpan<int> rowEntry = byParameter.RowKey;
        for (int r = 0; r < rowEntry.Length; r++)
        {
            _histoWeight[r] = _shiftWeight[rowEntry[r]];
        }

        ModifierKernels.HistoSysProjections(byParameter, _histoOnP, _histoOnQ, _histoWeight, _context);
        ReadOnlySpan<int> laneParam = byParameter.LaneTarget;
        int[] laneRow = _layout.HistoSysLaneRow;
        for (int i = 0; i < laneParam.Length; i++)
        {
            int r = laneRow[i];
            if (r >= 0)
            {
                gradient[laneParam[i]] += (_histoDerivatives[2 * r] * _histoOnP[i]) + (_histoDerivatives[(2 * r) + 1] * _histoOnQ[i]);
            }
        }
    }

    /// <summary>
    /// d/dα of each normsys row: Σ over its cells of (df/dα)/f times the block's weight. Uses the pieces and α of
    /// the value pass over the same parameters.
    /// </summary>
    private void NormSysGradient(Span<double> gradient)
    {
        TileLayout tiles = _layout.NormSys;
        if (tiles.RowCount == 0)
        {
            return;
        }

        GatherLanes(_blockLogWeight, tiles.LaneTarget, _normWeight);
        Array.Clear(_normRowSums);
        ModifierKernels.NormSysLogDerivatives(tiles, _normRowSums, _normWeight, _normValues, _normPiece, _context);
        ReadOnlySpan<int> rowParam = tiles.RowKey;
        for (int r = 0; r < rowParam.Length; r++)
        {
            gradient[rowParam[r]] += LaneSum(_normRowSums, r);
        }
    }

    /// <summary>(lane 0 + lane 2) + (lane 1 + lane 3) of row r's four lane sums: one order for every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LaneSum(double[] rowSums, int r)
    {
        int i = TileLayout.Lanes * r;
        return (rowSums[i] + rowSums[i + 2]) + (rowSums[i + 1] + rowSums[i + 3]);
    }

    /// <summary>A per-target quantity on the lanes of a tile layout; 0 on padding lanes.</summary>
    private static void GatherLanes(double[] perTarget, ReadOnlySpan<int> laneTarget, double[] lanes)
    {
        for (int i = 0; i < laneTarget.Length; i++)
        {
            int target = laneTarget[i];
            lanes[i] = target >= 0 ? perTarget[target] : 0.0;
        }
    }

    private static void Gather(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[i] = source[index[i]];
        }
    }

    private static void Scatter(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[index[i]] += source[i];
        }
    }
}
