using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NextStat.Kernels;
using NextStat.HistFactory.Modifiers;

namespace NextStat.HistFactory;

/// <summary>
/// Per-thread scratch and the evaluation sweeps over a <see cref="ModelLayout"/>. Nothing here allocates after
/// construction. Factors are accumulated as (product of non-zero factors, count of exact zeros) per entry so that the
/// gradient of a factor that is exactly zero (a normalisation at its bound 0) is still exact.
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
    private readonly double[] _histoDp;
    private readonly double[] _histoDq;
    private readonly double[] _blockProduct;
    private readonly double[] _blockZeros;
    private readonly double[] _normAlpha;
    private readonly double[] _normWeight;
    private readonly double[] _normRatio;
    private readonly double[] _gaussTheta;
    private readonly double[] _gaussDerivative;
    private readonly double[] _poissonGamma;
    private readonly double[] _poissonDerivative;
    private bool _anyZero;

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
        _histoDp = new double[layout.HistoRowParam.Length];
        _histoDq = new double[layout.HistoRowParam.Length];
        _blockProduct = new double[layout.BlockCount];
        _blockZeros = new double[layout.BlockCount];
        _normAlpha = new double[layout.NormCellBlock.Length];
        _normWeight = new double[layout.NormCellBlock.Length];
        _normRatio = new double[layout.NormCellBlock.Length];
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

        // Block factors: normsys product, then normfactor and lumi; exact zeros are counted, not multiplied.
        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        Array.Clear(_blockZeros);
        bool anyZero = false;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            int b = factorBlock[j];
            anyZero |= ApplyFactor(pars[factorParam[j]], ref _blockProduct[b], ref _blockZeros[b]);
        }

        int[] blockStart = layout.BlockStart;
        int[] blockLength = layout.BlockLength;
        for (int b = 0; b < blockStart.Length; b++)
        {
            int start = blockStart[b];
            int length = blockLength[b];
            _product.AsSpan(start, length).Fill(_blockProduct[b]);
            _zeros.AsSpan(start, length).Fill(_blockZeros[b]);
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            int e = entryIndex[k];
            anyZero |= ApplyFactor(pars[entryParam[k]], ref _product[e], ref _zeros[e]);
        }

        _anyZero = anyZero;
        LikelihoodKernels.Yields(_yields, _shifted, _product, _zeros, _context);

        // Samples of a bin are summed in sorted-sample order, as pyhf does.
        Array.Clear(_lambda);
        int[] binOf = layout.BinOfEntry;
        for (int e = 0; e < binOf.Length; e++)
        {
            _lambda[binOf[e]] += _yields[e];
        }
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

        if (layout.HistoRowParam.Length > 0)
        {
            LikelihoodKernels.ShiftWeights(_shiftWeight, _entryWeight, _product, _zeros, _context);
            HistoSysGradient(gradient);
        }

        NormSysGradient(pars, gradient);

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

    // The sparse-row loops below index through MemoryMarshal/Unsafe: their cell positions come from the layout, which
    // the builder made in range, and bounds checks on every indirect access cost as much as the arithmetic.

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
    /// that the gradient at a factor of 0 stays exact; returns whether it was zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ApplyFactor(double factor, ref double product, ref double zeros)
    {
        if (factor == 0.0)
        {
            zeros += 1.0;
            return true;
        }

        product *= factor;
        return false;
    }

    /// <summary>Additive stage: nominal + Σ histosys shifts, row by row in parameter order.</summary>
    private void ApplyHistoSys(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        layout.Nominal.CopyTo(_shifted, 0);
        int[] histoParam = layout.HistoRowParam;
        int[] rowStart = layout.HistoRowStart;
        int[] cellEntry = layout.HistoCellEntry;
        double[] p = layout.HistoP;
        double[] q = layout.HistoQ;
        ref double shifted = ref MemoryMarshal.GetArrayDataReference(_shifted);
        ref int entryOf = ref MemoryMarshal.GetArrayDataReference(cellEntry);
        ref double pOf = ref MemoryMarshal.GetArrayDataReference(p);
        ref double qOf = ref MemoryMarshal.GetArrayDataReference(q);
        for (int r = 0; r < histoParam.Length; r++)
        {
            HistoSysKernels.Coefficients(layout.HistoSysCode, pars[histoParam[r]], out double cp, out double cq, out _histoDp[r], out _histoDq[r]);
            int start = rowStart[r];
            int end = rowStart[r + 1];
            if (layout.HistoRowDense[r])
            {
                int length = end - start;
                HistoSysKernels.ApplyShift(_shifted.AsSpan(cellEntry[start], length), p.AsSpan(start, length), q.AsSpan(start, length), cp, cq, _context);
            }
            else
            {
                for (int c = start; c < end; c++)
                {
                    ref double x = ref Unsafe.Add(ref shifted, Unsafe.Add(ref entryOf, c));
                    x = HistoSysKernels.Shift(x, Unsafe.Add(ref pOf, c), Unsafe.Add(ref qOf, c), cp, cq);
                }
            }
        }
    }

    /// <summary>normsys factors multiplied into the block products, row by row in parameter order.</summary>
    private void MultiplyNormSys(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        Array.Fill(_blockProduct, 1.0);
        int[] normParam = layout.NormRowParam;
        int[] rowStart = layout.NormRowStart;
        int[] cellBlock = layout.NormCellBlock;
        double[][] a = layout.NormCoefficients;
        ref double product = ref MemoryMarshal.GetArrayDataReference(_blockProduct);
        ref int blockOf = ref MemoryMarshal.GetArrayDataReference(cellBlock);
        for (int r = 0; r < normParam.Length; r++)
        {
            double alpha = pars[normParam[r]];
            NormSysKernels.Piece piece = NormSysKernels.PieceOf(layout.NormSysCode, alpha);
            int start = rowStart[r];
            int end = rowStart[r + 1];
            int length = end - start;
            if (piece == NormSysKernels.Piece.Polynomial)
            {
                if (layout.NormRowDense[r])
                {
                    NormSysKernels.MultiplyPolynomials(_blockProduct.AsSpan(cellBlock[start], length), a[0].AsSpan(start, length), a[1].AsSpan(start, length),
                        a[2].AsSpan(start, length), a[3].AsSpan(start, length), a[4].AsSpan(start, length), a[5].AsSpan(start, length), alpha, _context);
                    continue;
                }

                ref double a1 = ref MemoryMarshal.GetArrayDataReference(a[0]);
                ref double a2 = ref MemoryMarshal.GetArrayDataReference(a[1]);
                ref double a3 = ref MemoryMarshal.GetArrayDataReference(a[2]);
                ref double a4 = ref MemoryMarshal.GetArrayDataReference(a[3]);
                ref double a5 = ref MemoryMarshal.GetArrayDataReference(a[4]);
                ref double a6 = ref MemoryMarshal.GetArrayDataReference(a[5]);
                for (int c = start; c < end; c++)
                {
                    ref double x = ref Unsafe.Add(ref product, Unsafe.Add(ref blockOf, c));
                    x = NormSysKernels.MultiplyPolynomial(x, Unsafe.Add(ref a1, c), Unsafe.Add(ref a2, c), Unsafe.Add(ref a3, c), Unsafe.Add(ref a4, c), Unsafe.Add(ref a5, c), Unsafe.Add(ref a6, c), alpha);
                }

                continue;
            }

            (double[] lnBase, double exponent) = piece == NormSysKernels.Piece.High ? (layout.NormLnHi, alpha) : (layout.NormLnLo, -alpha);
            if (layout.NormRowDense[r])
            {
                NormSysKernels.MultiplyPowers(_blockProduct.AsSpan(cellBlock[start], length), lnBase.AsSpan(start, length), exponent, _context);
                continue;
            }

            ref double ln = ref MemoryMarshal.GetArrayDataReference(lnBase);
            for (int c = start; c < end; c++)
            {
                ref double x = ref Unsafe.Add(ref product, Unsafe.Add(ref blockOf, c));
                x = NormSysKernels.MultiplyPower(x, Unsafe.Add(ref ln, c), exponent);
            }
        }
    }

    /// <summary>d/dα of each histosys row: (d_p, d_q) times the projections of the shift weights on the row.</summary>
    private void HistoSysGradient(Span<double> gradient)
    {
        ModelLayout layout = _layout;
        int[] histoParam = layout.HistoRowParam;
        int[] rowStart = layout.HistoRowStart;
        int[] cellEntry = layout.HistoCellEntry;
        double[] p = layout.HistoP;
        double[] q = layout.HistoQ;
        ref double weight = ref MemoryMarshal.GetArrayDataReference(_shiftWeight);
        ref int entryOf = ref MemoryMarshal.GetArrayDataReference(cellEntry);
        ref double pOf = ref MemoryMarshal.GetArrayDataReference(p);
        ref double qOf = ref MemoryMarshal.GetArrayDataReference(q);
        for (int r = 0; r < histoParam.Length; r++)
        {
            int start = rowStart[r];
            int end = rowStart[r + 1];
            double onP;
            double onQ;
            if (layout.HistoRowSumDense[r])
            {
                int length = end - start;
                (onP, onQ) = HistoSysKernels.ProjectionSums(_shiftWeight.AsSpan(cellEntry[start], length), p.AsSpan(start, length), q.AsSpan(start, length), _context);
            }
            else
            {
                // Two pairs of running sums (even and odd cells), so that consecutive cells do not wait on each
                // other's addition.
                double evenP = 0.0, evenQ = 0.0, oddP = 0.0, oddQ = 0.0;
                int c = start;
                for (; c + 1 < end; c += 2)
                {
                    (double p0, double q0) = HistoSysKernels.Projections(Unsafe.Add(ref weight, Unsafe.Add(ref entryOf, c)), Unsafe.Add(ref pOf, c), Unsafe.Add(ref qOf, c));
                    (double p1, double q1) = HistoSysKernels.Projections(Unsafe.Add(ref weight, Unsafe.Add(ref entryOf, c + 1)), Unsafe.Add(ref pOf, c + 1), Unsafe.Add(ref qOf, c + 1));
                    evenP += p0;
                    evenQ += q0;
                    oddP += p1;
                    oddQ += q1;
                }

                if (c < end)
                {
                    (double p0, double q0) = HistoSysKernels.Projections(Unsafe.Add(ref weight, Unsafe.Add(ref entryOf, c)), Unsafe.Add(ref pOf, c), Unsafe.Add(ref qOf, c));
                    evenP += p0;
                    evenQ += q0;
                }

                onP = evenP + oddP;
                onQ = evenQ + oddQ;
            }

            gradient[histoParam[r]] += (_histoDp[r] * onP) + (_histoDq[r] * onQ);
        }
    }

    /// <summary>
    /// d/dα of each normsys row: Σ over its cells of (df/dα)/f times the block's weight. The polynomial cells of all
    /// rows go through one map kernel (each cell carries its row's α and its block's weight), then each row sums its
    /// contiguous cells; an exponential row's (df/dα)/f is ±ln base, which needs no kernel.
    /// </summary>
    private void NormSysGradient(ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ModelLayout layout = _layout;
        int[] normParam = layout.NormRowParam;
        if (normParam.Length == 0)
        {
            return;
        }

        int[] rowStart = layout.NormRowStart;
        double[][] a = layout.NormCoefficients;
        Gather(_blockLogWeight, layout.NormCellBlock, _normWeight);
        for (int r = 0; r < normParam.Length; r++)
        {
            _normAlpha.AsSpan(rowStart[r], rowStart[r + 1] - rowStart[r]).Fill(pars[normParam[r]]);
        }

        NormSysKernels.PolynomialLogDerivativeWeights(_normRatio, a[0], a[1], a[2], a[3], a[4], a[5], _normAlpha, _normWeight, _context);
        ref double ratio = ref MemoryMarshal.GetArrayDataReference(_normRatio);
        ref double weight = ref MemoryMarshal.GetArrayDataReference(_normWeight);
        for (int r = 0; r < normParam.Length; r++)
        {
            double alpha = pars[normParam[r]];
            NormSysKernels.Piece piece = NormSysKernels.PieceOf(layout.NormSysCode, alpha);
            int end = rowStart[r + 1];
            double sum;
            if (piece == NormSysKernels.Piece.Polynomial)
            {
                sum = SumCells(ref ratio, rowStart[r], end);
            }
            else
            {
                ref double ln = ref MemoryMarshal.GetArrayDataReference(piece == NormSysKernels.Piece.High ? layout.NormLnHi : layout.NormLnLo);
                double even = 0.0, odd = 0.0;
                int c = rowStart[r];
                for (; c + 1 < end; c += 2)
                {
                    even += NormSysKernels.PowerLogDerivativeWeight(Unsafe.Add(ref ln, c), Unsafe.Add(ref weight, c));
                    odd += NormSysKernels.PowerLogDerivativeWeight(Unsafe.Add(ref ln, c + 1), Unsafe.Add(ref weight, c + 1));
                }

                if (c < end)
                {
                    even += NormSysKernels.PowerLogDerivativeWeight(Unsafe.Add(ref ln, c), Unsafe.Add(ref weight, c));
                }

                sum = even + odd;
            }

            // The lo piece is lo^(−α): its (df/dα)/f is −ln lo.
            gradient[normParam[r]] += piece == NormSysKernels.Piece.Low ? -sum : sum;
        }
    }

    /// <summary>Σ x[start..end) with four running sums, so that consecutive additions do not wait on each other.</summary>
    private static double SumCells(ref double x, int start, int end)
    {
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        int c = start;
        for (; c + 3 < end; c += 4)
        {
            s0 += Unsafe.Add(ref x, c);
            s1 += Unsafe.Add(ref x, c + 1);
            s2 += Unsafe.Add(ref x, c + 2);
            s3 += Unsafe.Add(ref x, c + 3);
        }

        for (; c < end; c++)
        {
            s0 += Unsafe.Add(ref x, c);
        }

        return (s0 + s1) + (s2 + s3);
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
