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
            double f = pars[factorParam[j]];
            int b = factorBlock[j];
            if (f == 0.0)
            {
                _blockZeros[b] += 1.0;
                anyZero = true;
            }
            else
            {
                _blockProduct[b] *= f;
            }
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
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            if (f == 0.0)
            {
                _zeros[e] += 1.0;
                anyZero = true;
            }
            else
            {
                _product[e] *= f;
            }
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
        double twiceNll = (2.0 * LikelihoodKernels.SumPoisson(_lambda, objective.MainData, _context)) + objective.MainConstant;

        Gather(pars, layout.GaussParam, _gaussTheta);
        twiceNll += LikelihoodKernels.SumGaussian(_gaussTheta, objective.GaussAux, layout.GaussInverseSigma, _context) + layout.GaussConstant;

        Gather(pars, layout.PoissonParam, _poissonGamma);
        twiceNll += (2.0 * LikelihoodKernels.SumPoissonConstraint(_poissonGamma, layout.PoissonTau, objective.PoissonAux, _context)) + objective.PoissonConstant;

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
        int[] blockStart = layout.BlockStart;
        int[] blockLength = layout.BlockLength;
        for (int b = 0; b < blockStart.Length; b++)
        {
            double logSum = 0.0;
            int end = blockStart[b] + blockLength[b];
            for (int e = blockStart[b]; e < end; e++)
            {
                logSum += _logWeight[e];
            }

            _blockLogWeight[b] = logSum;
        }

        if (anyZero)
        {
            for (int b = 0; b < blockStart.Length; b++)
            {
                double zeroSum = 0.0;
                int end = blockStart[b] + blockLength[b];
                for (int e = blockStart[b]; e < end; e++)
                {
                    zeroSum += _zeroWeight[e];
                }

                _blockZeroWeight[b] = zeroSum;
            }
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
        double[] shifted = _shifted;
        for (int r = 0; r < histoParam.Length; r++)
        {
            HistoSysKernels.Coefficients(layout.HistoSysCode, pars[histoParam[r]], out double cp, out double cq, out _histoDp[r], out _histoDq[r]);
            int start = rowStart[r];
            int end = rowStart[r + 1];
            if (layout.HistoRowDense[r])
            {
                int length = end - start;
                HistoSysKernels.ApplyShift(shifted.AsSpan(cellEntry[start], length), p.AsSpan(start, length), q.AsSpan(start, length), cp, cq, _context);
            }
            else
            {
                for (int c = start; c < end; c++)
                {
                    int e = cellEntry[c];
                    shifted[e] = HistoSysKernels.Shift(shifted[e], p[c], q[c], cp, cq);
                }
            }
        }
    }

    /// <summary>normsys factors multiplied into the block products, row by row in parameter order.</summary>
    private void MultiplyNormSys(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        double[] product = _blockProduct;
        Array.Fill(product, 1.0);
        int[] normParam = layout.NormRowParam;
        int[] rowStart = layout.NormRowStart;
        int[] cellBlock = layout.NormCellBlock;
        double[] lnHi = layout.NormLnHi;
        double[] lnLo = layout.NormLnLo;
        double[][] a = layout.NormCoefficients;
        double[] a1 = a[0], a2 = a[1], a3 = a[2], a4 = a[3], a5 = a[4], a6 = a[5];
        for (int r = 0; r < normParam.Length; r++)
        {
            double alpha = pars[normParam[r]];
            NormSysKernels.Piece piece = NormSysKernels.PieceOf(layout.NormSysCode, alpha);
            int start = rowStart[r];
            int end = rowStart[r + 1];
            if (layout.NormRowDense[r])
            {
                int length = end - start;
                Span<double> blocks = product.AsSpan(cellBlock[start], length);
                if (piece == NormSysKernels.Piece.Polynomial)
                {
                    NormSysKernels.MultiplyPolynomials(blocks, a1.AsSpan(start, length), a2.AsSpan(start, length), a3.AsSpan(start, length),
                        a4.AsSpan(start, length), a5.AsSpan(start, length), a6.AsSpan(start, length), alpha, _context);
                }
                else
                {
                    (double[] lnBase, double exponent) = piece == NormSysKernels.Piece.High ? (lnHi, alpha) : (lnLo, -alpha);
                    NormSysKernels.MultiplyPowers(blocks, lnBase.AsSpan(start, length), exponent, _context);
                }
            }
            else if (piece == NormSysKernels.Piece.Polynomial)
            {
                for (int c = start; c < end; c++)
                {
                    int b = cellBlock[c];
                    product[b] = NormSysKernels.MultiplyPolynomial(product[b], a1[c], a2[c], a3[c], a4[c], a5[c], a6[c], alpha);
                }
            }
            else
            {
                (double[] lnBase, double exponent) = piece == NormSysKernels.Piece.High ? (lnHi, alpha) : (lnLo, -alpha);
                for (int c = start; c < end; c++)
                {
                    int b = cellBlock[c];
                    product[b] = NormSysKernels.MultiplyPower(product[b], lnBase[c], exponent);
                }
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
        double[] weight = _shiftWeight;
        for (int r = 0; r < histoParam.Length; r++)
        {
            int start = rowStart[r];
            int end = rowStart[r + 1];
            double onP;
            double onQ;
            if (layout.HistoRowDense[r])
            {
                int length = end - start;
                (onP, onQ) = HistoSysKernels.ProjectionSums(weight.AsSpan(cellEntry[start], length), p.AsSpan(start, length), q.AsSpan(start, length), _context);
            }
            else
            {
                onP = 0.0;
                onQ = 0.0;
                for (int c = start; c < end; c++)
                {
                    (double cellP, double cellQ) = HistoSysKernels.Projections(weight[cellEntry[c]], p[c], q[c]);
                    onP += cellP;
                    onQ += cellQ;
                }
            }

            gradient[histoParam[r]] += (_histoDp[r] * onP) + (_histoDq[r] * onQ);
        }
    }

    /// <summary>d/dα of each normsys row: Σ over its blocks of (df/dα)/f times the block's weight.</summary>
    private void NormSysGradient(ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ModelLayout layout = _layout;
        int[] normParam = layout.NormRowParam;
        int[] rowStart = layout.NormRowStart;
        int[] cellBlock = layout.NormCellBlock;
        double[] lnHi = layout.NormLnHi;
        double[] lnLo = layout.NormLnLo;
        double[][] a = layout.NormCoefficients;
        double[] a1 = a[0], a2 = a[1], a3 = a[2], a4 = a[3], a5 = a[4], a6 = a[5];
        double[] weight = _blockLogWeight;
        for (int r = 0; r < normParam.Length; r++)
        {
            double alpha = pars[normParam[r]];
            NormSysKernels.Piece piece = NormSysKernels.PieceOf(layout.NormSysCode, alpha);
            int start = rowStart[r];
            int end = rowStart[r + 1];
            double sum;
            if (layout.NormRowDense[r])
            {
                int length = end - start;
                ReadOnlySpan<double> blocks = weight.AsSpan(cellBlock[start], length);
                if (piece == NormSysKernels.Piece.Polynomial)
                {
                    sum = NormSysKernels.SumPolynomialLogDerivativeWeights(a1.AsSpan(start, length), a2.AsSpan(start, length), a3.AsSpan(start, length),
                        a4.AsSpan(start, length), a5.AsSpan(start, length), a6.AsSpan(start, length), alpha, blocks, _context);
                }
                else
                {
                    sum = NormSysKernels.SumPowerLogDerivativeWeights((piece == NormSysKernels.Piece.High ? lnHi : lnLo).AsSpan(start, length), blocks, _context);
                }
            }
            else
            {
                sum = 0.0;
                if (piece == NormSysKernels.Piece.Polynomial)
                {
                    for (int c = start; c < end; c++)
                    {
                        sum += NormSysKernels.PolynomialLogDerivativeWeight(a1[c], a2[c], a3[c], a4[c], a5[c], a6[c], alpha, weight[cellBlock[c]]);
                    }
                }
                else
                {
                    double[] lnBase = piece == NormSysKernels.Piece.High ? lnHi : lnLo;
                    for (int c = start; c < end; c++)
                    {
                        sum += NormSysKernels.PowerLogDerivativeWeight(lnBase[c], weight[cellBlock[c]]);
                    }
                }
            }

            // The lo piece is lo^(−α): its (df/dα)/f is −ln lo.
            gradient[normParam[r]] += piece == NormSysKernels.Piece.Low ? -sum : sum;
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
